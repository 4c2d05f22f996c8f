import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import { createMemoryAdapter } from './adapter.js';
import { demoClients } from './clients.js';
import { withConsentForOfflineAccess } from './consent.js';
import { handleInteraction, sendPage } from './interactions.js';
import {
  DEFAULT_KEYS_FILE,
  loadOrCreateKeys,
  publicJwks,
  rotateSigningKeys,
  type DevIdpKeys,
} from './keys.js';
import { errorPage } from './pages.js';
import {
  createProvider,
  INTERACTION_PATH,
  ISSUER_PATH,
  type ProviderSettings,
} from './provider.js';
import { handleUserinfo } from './userinfo.js';
import { defaultUsers, validateUsers, type DevUser } from './users.js';

/**
 * Options of {@link startDevIdp}; every one is optional.
 *
 * @example
 * ```ts
 * const options: DevIdpOptions = { port: 0, keysFile: false, quiet: true, accessTokenTtl: 300 };
 * ```
 */
export interface DevIdpOptions {
  /** Port to listen on. Default 7157; 0 picks a free port (the issuer uses the real one). */
  port?: number;
  /** Host to listen on. Default `localhost`; the issuer always says `http://localhost:<port>`. */
  host?: string;
  /** The accounts that can sign in. Default {@link defaultUsers} (`users.json`). */
  users?: DevUser[];
  /** oidc-provider client metadata. Default {@link demoClients}`()`. */
  clients?: ClientMetadata[];
  /**
   * JWKS file with the signing and cookie keys, created (mode 0600) when missing and reused on
   * the next start. Default `<repo root>/.gatehouse/dev-idp-keys.json`; `false` keeps new
   * keys in memory (tests).
   */
  keysFile?: string | false;
  /** Access token lifetime in seconds. Default 3600 (Okta's default). */
  accessTokenTtl?: number;
  /** ID token lifetime in seconds. Default 3600. */
  idTokenTtl?: number;
  /** Refresh token lifetime in seconds, renewed at each rotation. Default 7 days. */
  refreshTokenTtl?: number;
  /**
   * `jwt` (default, as Okta) or `opaque`: opaque access tokens exist only to exercise an API's
   * introspection path; Okta itself always issues JWTs.
   */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** No log line at all, not even the start line. Default false. */
  quiet?: boolean;
  /**
   * Offer pushed authorization requests (RFC 9126): discovery advertises
   * `pushed_authorization_request_endpoint` (`/v1/par`), so a client on `PAR=auto` uses it, and
   * a client may require it (`gatehouse-demo-bound`). Default false, so tests that read the
   * authorization URL's parameters see them; the CLI (`npm run dev`) turns it on.
   */
  par?: boolean;
  /**
   * Require a provider-issued nonce in every DPoP proof (RFC 9449 section 8): a proof without
   * one is refused with `use_dpop_nonce` and a `DPoP-Nonce` header. Default false.
   */
  dpopNonce?: boolean;
  /**
   * Listen on https and accept `tls_client_auth` (RFC 8705): the server's certificate and key,
   * and the CA that client certificates must chain to (PEM). The issuer is then
   * `https://localhost:<port>/oauth2/default`. For tests; default plain http.
   */
  tls?: DevIdpTls;
}

/**
 * The https listener of a dev IdP that accepts client certificates (PEM text).
 *
 * @example
 * ```ts
 * const tls: DevIdpTls = { cert: serverCert, key: serverKey, clientCa: caCert };
 * ```
 */
export interface DevIdpTls {
  cert: string;
  key: string;
  clientCa: string;
}

/**
 * A running dev IdP.
 *
 * @example
 * ```ts
 * const idp: DevIdp = await startDevIdp({ port: 0, keysFile: false });
 * await idp.rotateKeys();
 * await idp.close();
 * ```
 */
export interface DevIdp {
  /** The origin, e.g. `http://localhost:7157`. */
  url: string;
  /** The issuer, `url + '/oauth2/default'`. Discovery is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** The port it listens on. */
  port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** Signs new tokens with a new key, first in `/v1/keys`; older keys stay published. */
  rotateKeys(): Promise<void>;
}

interface Running {
  keys: DevIdpKeys;
  provider: Provider;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

function positiveInteger(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(
      `startDevIdp: ${option} must be a positive integer of seconds, got ${value}`,
    );
  }
  return value;
}

/**
 * Starts an OpenID provider shaped like an Okta custom authorization server (`oidc-provider`
 * configured, not rewritten): issuer `http://localhost:<port>/oauth2/default`, Okta's `/v1/*`
 * endpoints, JWT access tokens for `api://default` with `scp`/`cid`/`uid`, a real login page.
 *
 * @example
 * ```ts
 * const idp = await startDevIdp({ port: 0, keysFile: false, quiet: true });
 * const config = await client.discovery(new URL(idp.issuer), 'gatehouse-demo', 'gatehouse-demo-secret');
 * await idp.close();
 * ```
 */
export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const port = options.port ?? 7157;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`startDevIdp: port must be an integer from 0 to 65535, got ${port}`);
  }
  const users = options.users ? validateUsers(options.users, 'options.users') : defaultUsers();
  const usersById = new Map(users.map((user) => [user.id, user]));
  const keysFile = options.keysFile ?? DEFAULT_KEYS_FILE;
  const log = options.quiet ? () => {} : (line: string) => console.log(`[dev-idp] ${line}`);
  const baseSettings = {
    users,
    clients: options.clients ?? demoClients(),
    adapter: createMemoryAdapter(),
    accessTokenTtl: positiveInteger(options.accessTokenTtl, 3600, 'accessTokenTtl'),
    idTokenTtl: positiveInteger(options.idTokenTtl, 3600, 'idTokenTtl'),
    refreshTokenTtl: positiveInteger(options.refreshTokenTtl, 7 * 24 * 3600, 'refreshTokenTtl'),
    accessTokenFormat: options.accessTokenFormat ?? 'jwt',
    par: options.par ?? false,
    dpopNonce: options.dpopNonce ?? false,
    mtls: options.tls !== undefined,
    // A 500 is a bug in the dev IdP: always reported, never with request data.
    onServerError: (error: unknown) => console.error('[dev-idp] server error:', error),
  } satisfies Omit<ProviderSettings, 'issuer' | 'jwks' | 'cookieKeys'>;

  let keys = await loadOrCreateKeys(keysFile);
  let running: Running | undefined;

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      baseSettings.onServerError(error);
      if (!res.headersSent) sendPage(res, 500, errorPage('Server error', 'Something went wrong.'));
      else res.destroy();
    });
  };
  // With `tls`, a client certificate is asked for but optional: browsers and the secret
  // methods connect without one; tls_client_auth checks it chained to `clientCa`.
  const server = options.tls
    ? createHttpsServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.clientCa,
          requestCert: true,
          rejectUnauthorized: false,
        },
        listener,
      )
    : createServer(listener);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0] ?? '/';
    const current = running;
    if (!current) {
      sendPage(res, 503, errorPage('Starting', 'The dev IdP is starting. Try again.'));
    } else if (path.startsWith(`${INTERACTION_PATH}/`)) {
      await handleInteraction(req, res, current.provider, users);
    } else if (
      path === `${ISSUER_PATH}/v1/userinfo` &&
      ['GET', 'POST'].includes(req.method ?? '')
    ) {
      await handleUserinfo(req, res, {
        issuer: current.provider.issuer,
        provider: current.provider,
        publicJwks: publicJwks(current.keys),
        usersById,
      });
    } else if (path === ISSUER_PATH || path.startsWith(`${ISSUER_PATH}/`)) {
      // Mounted under the issuer path: oidc-provider routes on the rest and builds its URLs
      // from `originalUrl` (docs: "Mounting oidc-provider").
      let full = url;
      if (req.method === 'GET' && path === `${ISSUER_PATH}/v1/authorize`) {
        full = withConsentForOfflineAccess(url);
      }
      const rest = full.slice(ISSUER_PATH.length);
      Object.assign(req, { originalUrl: full });
      req.url = rest.startsWith('/') ? rest : `/${rest}`;
      await current.handle(req, res);
    } else {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ error: 'not_found', issuer: issuer() }));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host ?? 'localhost', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://localhost:${actualPort}`;
  const issuer = () => `${url}${ISSUER_PATH}`;

  async function build(nextKeys: DevIdpKeys): Promise<Running> {
    const provider = await createProvider({
      ...baseSettings,
      issuer: issuer(),
      jwks: { keys: nextKeys.keys },
      cookieKeys: nextKeys.cookie_keys,
    });
    provider.on('backchannel.error', (_ctx, error, client) =>
      log(`back-channel logout to ${client.clientId} failed: ${error.message}`),
    );
    return { keys: nextKeys, provider, handle: provider.callback() };
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }));

  try {
    running = await build(keys);
  } catch (error) {
    await close();
    throw error;
  }
  log(`issuer ${issuer()} (discovery: ${issuer()}/.well-known/openid-configuration)`);

  let rotation = Promise.resolve();
  return {
    url,
    issuer: issuer(),
    port: actualPort,
    close,
    rotateKeys() {
      const rotated = rotation.then(async () => {
        keys = await rotateSigningKeys(keys, keysFile);
        running = await build(keys);
        log(`signing key rotated, new kid ${keys.keys[0]?.kid}`);
      });
      rotation = rotated.catch(() => {});
      return rotated;
    },
  };
}
