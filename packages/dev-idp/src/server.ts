import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import { createMemoryAdapter } from './adapter.js';
import { DevIdpConfigError } from './config-file.js';
import { demoClients, withGeneratedSecrets } from './clients.js';
import { withConsentForOfflineAccess } from './consent.js';
import { exposureReasons, fixedCredentialsRefusal, refusal, unsafeWarning } from './exposure.js';
import { handleInteraction, sendPage } from './interactions.js';
import {
  defaultKeysFile,
  loadOrCreateKeys,
  publicJwks,
  rotateSigningKeys,
  type DevIdpKeys,
} from './keys.js';
import { errorPage } from './pages.js';
import { createProvider, type ProviderSettings } from './provider.js';
import {
  defaultLayout,
  tenantLayouts,
  type DevIdpTenant,
  type DevIdpTenantInfo,
  type TenantLayout,
} from './tenants.js';
import { handleUserinfo } from './userinfo.js';
import { defaultUsers, validateUsers, withGeneratedPasswords, type DevUser } from './users.js';

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
  /**
   * Host to listen on. Default `localhost`; the issuer always says `http://localhost:<port>`.
   * A host that is not loopback (localhost, 127.0.0.0/8, ::1) needs `unsafeAllowRemote`.
   */
  host?: string;
  /**
   * Start even with `NODE_ENV=production` or a `host` that is not loopback, with one loud
   * warning. Without it, either refuses with a `DevIdpUnsafeError`: the login page lists the
   * users and the second factor shows its code on the page, so anyone who reaches it gets in.
   */
  unsafeAllowRemote?: boolean;
  /**
   * Use the demo's published passwords (`users.json`) and client secrets ({@link demoClients})
   * when `users` or `clients` are not given, and list the passwords on the login page: the
   * loopback demo and tests. Default false: those users and clients get random passwords and
   * secrets, read them from the returned {@link DevIdp}. Refused with `unsafeAllowRemote`.
   */
  fixedDemoCredentials?: boolean;
  /** The accounts that can sign in. Default the `users.json` users (see `fixedDemoCredentials`). */
  users?: DevUser[];
  /** oidc-provider client metadata. Default {@link demoClients}`()` (see `fixedDemoCredentials`). */
  clients?: ClientMetadata[];
  /**
   * JWKS file with the signing and cookie keys, created (mode 0600) when missing and reused on
   * the next start. Default `.gatehouse/dev-idp-keys.json` in the working directory (never in
   * the package); `false` keeps new keys in memory (tests).
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
  /**
   * More tenants beside `default`, each at `/oauth2/<id>` with its own keys, users and clients
   * (`npm start` serves `acme`). Default none.
   */
  tenants?: DevIdpTenant[];
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
  /** The accounts that can sign in, with the passwords in effect (generated unless given or fixed). */
  users: readonly DevUser[];
  /** The registered clients, with the secrets in effect (generated unless given or fixed). */
  clients: readonly ClientMetadata[];
  /** The other tenants (`tenants` option), each with its issuer, users and clients. */
  tenants: readonly DevIdpTenantInfo[];
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** Signs new tokens with a new key at every tenant, first in `/v1/keys`; older keys stay published. */
  rotateKeys(): Promise<void>;
}

interface Running {
  keys: DevIdpKeys;
  provider: Provider;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** A tenant being served: its layout, its store, and its provider once built. */
interface Served extends TenantLayout {
  usersById: ReadonlyMap<string, DevUser>;
  adapter: ProviderSettings['adapter'];
  running?: Running;
}

const served = (layout: TenantLayout): Served => ({
  ...layout,
  usersById: new Map(layout.users.map((user) => [user.id, user])),
  // One store per tenant: a token, grant or session of one is never found by another.
  adapter: createMemoryAdapter(),
});

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
 * const demo = idp.clients.find((c) => c.client_id === 'gatehouse-demo')!;
 * const config = await client.discovery(new URL(idp.issuer), demo.client_id, demo.client_secret);
 * await idp.close();
 * ```
 */
export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const port = options.port ?? 7157;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`startDevIdp: port must be an integer from 0 to 65535, got ${port}`);
  }
  const host = options.host ?? 'localhost';
  const exposure = exposureReasons(host, process.env.NODE_ENV);
  const fixed = options.fixedDemoCredentials === true;
  if (exposure.length && options.unsafeAllowRemote !== true) throw refusal(exposure);
  if (exposure.length && fixed) throw fixedCredentialsRefusal(exposure);
  const users = options.users
    ? validateUsers(options.users, 'options.users')
    : fixed
      ? defaultUsers()
      : withGeneratedPasswords(defaultUsers());
  const clients = options.clients ?? (fixed ? demoClients() : withGeneratedSecrets(demoClients()));
  const keysFile = options.keysFile ?? defaultKeysFile();
  const main = defaultLayout(users, clients, keysFile);
  const tenants = [main, ...tenantLayouts(options.tenants ?? [], main, fixed)].map(served);
  const log = options.quiet ? () => {} : (line: string) => console.log(`[dev-idp] ${line}`);
  const baseSettings = {
    accessTokenTtl: positiveInteger(options.accessTokenTtl, 3600, 'accessTokenTtl'),
    idTokenTtl: positiveInteger(options.idTokenTtl, 3600, 'idTokenTtl'),
    refreshTokenTtl: positiveInteger(options.refreshTokenTtl, 7 * 24 * 3600, 'refreshTokenTtl'),
    accessTokenFormat: options.accessTokenFormat ?? 'jwt',
    par: options.par ?? false,
    dpopNonce: options.dpopNonce ?? false,
    mtls: options.tls !== undefined,
    // A 500 is a bug in the dev IdP: always reported, never with request data.
    onServerError: (error: unknown) => console.error('[dev-idp] server error:', error),
  } satisfies Partial<ProviderSettings>;

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
    const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
    // Last first: the others' login pages live under the default's `/interaction/`.
    const login = tenants.findLast((t) => path.startsWith(`${t.interactionPath}/`));
    const tenant = login ?? tenants.find((t) => under(t.path));
    const current = tenant?.running;
    if (!tenant) {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ error: 'not_found', issuer: issuerOf(main) }));
    } else if (!current) {
      sendPage(res, 503, errorPage('Starting', 'The dev IdP is starting. Try again.'));
    } else if (login) {
      await handleInteraction(req, res, current.provider, {
        users: tenant.users,
        showPasswords: fixed,
        interactionPath: tenant.interactionPath,
      });
    } else if (
      path === `${tenant.path}/v1/userinfo` &&
      ['GET', 'POST'].includes(req.method ?? '')
    ) {
      await handleUserinfo(req, res, {
        issuer: current.provider.issuer,
        provider: current.provider,
        publicJwks: publicJwks(current.keys),
        usersById: tenant.usersById,
      });
    } else {
      // Mounted under the issuer path: oidc-provider routes on the rest and builds its URLs
      // from `originalUrl` (docs: "Mounting oidc-provider").
      let full = url;
      if (req.method === 'GET' && path === `${tenant.path}/v1/authorize`) {
        full = withConsentForOfflineAccess(url);
      }
      const rest = full.slice(tenant.path.length);
      Object.assign(req, { originalUrl: full });
      req.url = rest.startsWith('/') ? rest : `/${rest}`;
      await current.handle(req, res);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://localhost:${actualPort}`;
  const issuerOf = (tenant: TenantLayout) => `${url}${tenant.path}`;
  const at = (tenant: TenantLayout) => (tenant.id === main.id ? '' : ` (tenant ${tenant.id})`);

  async function build(tenant: Served, keys: DevIdpKeys): Promise<Running> {
    const provider = await createProvider({
      ...baseSettings,
      issuer: issuerOf(tenant),
      interactionPath: tenant.interactionPath,
      cookiePrefix: tenant.cookiePrefix,
      users: tenant.users,
      clients: tenant.clients,
      adapter: tenant.adapter,
      jwks: { keys: keys.keys },
      cookieKeys: keys.cookie_keys,
    });
    // Checked now, not at the first sign-in: a client oidc-provider refuses is a start error.
    for (const { client_id: id } of tenant.clients) {
      await provider.Client.find(id).catch((error: { error_description?: string }) => {
        throw new DevIdpConfigError(
          `startDevIdp: client ${id}${at(tenant)}: ${error.error_description ?? String(error)}`,
        );
      });
    }
    provider.on('backchannel.error', (_ctx, error, client) =>
      log(`back-channel logout to ${client.clientId}${at(tenant)} failed: ${error.message}`),
    );
    return { keys, provider, handle: provider.callback() };
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }));

  try {
    for (const tenant of tenants) {
      tenant.running = await build(tenant, await loadOrCreateKeys(tenant.keysFile));
    }
  } catch (error) {
    await close();
    throw error;
  }
  for (const tenant of tenants) {
    const issuer = issuerOf(tenant);
    log(`issuer ${issuer} (discovery: ${issuer}/.well-known/openid-configuration)`);
  }
  // Loud on purpose, even when quiet: the caller opted in to something dangerous.
  if (exposure.length) {
    process.emitWarning(unsafeWarning(exposure, url), { code: 'GATEHOUSE_DEV_IDP_UNSAFE' });
  }

  const copyUsers = (list: readonly DevUser[]) =>
    list.map((u) => ({ ...u, groups: [...u.groups] }));
  const copyClients = (list: readonly ClientMetadata[]) => list.map((client) => ({ ...client }));
  let rotation = Promise.resolve();
  return {
    url,
    issuer: issuerOf(main),
    port: actualPort,
    users: copyUsers(users),
    clients: copyClients(clients),
    tenants: tenants
      .filter((tenant) => tenant.id !== main.id)
      .map((tenant) => ({
        id: tenant.id,
        issuer: issuerOf(tenant),
        users: copyUsers(tenant.users),
        clients: copyClients(tenant.clients),
      })),
    close,
    rotateKeys() {
      const rotated = rotation.then(async () => {
        for (const tenant of tenants) {
          const keys = await rotateSigningKeys(tenant.running!.keys, tenant.keysFile);
          tenant.running = await build(tenant, keys);
          log(`signing key rotated${at(tenant)}, new kid ${keys.keys[0]?.kid}`);
        }
      });
      rotation = rotated.catch(() => {});
      return rotated;
    },
  };
}
