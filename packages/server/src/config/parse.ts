import { ConfigError } from '../errors.js';
import type { SessionStore } from '../session-store.js';
import { defaults } from './defaults.js';
import { STANDARD_LOGIN_PARAMS } from './login-params.js';
import type { SignInHook } from './sign-in-hook.js';
import { deriveKey, tokenKey, type TokenKey } from './keys.js';
import type { GatehouseOptions, RoutePaths } from './options.js';
import { isLoopback, sessionSecrets, SETTINGS, type Settings } from './settings.js';
import type { ExchangeToken, RemoteApi } from './remote-apis.js';
import { clientCredentials } from './client-credentials.js';
import type { ClientAuthMethod, ClientKey, ParMode } from './client-auth.js';

export { sessionSecrets } from './settings.js';

// In the error catalog (errors.ts); re-exported for existing imports.
export { ConfigError } from '../errors.js';

/** The validated, frozen configuration that every part of Gatehouse reads. */
export interface Config {
  readonly issuer: URL;
  readonly clientId: string;
  /** Set for the secret methods of `clientAuth` only. */
  readonly clientSecret: string | undefined;
  /** How Gatehouse authenticates to the provider (docs/client-authentication.md). */
  readonly clientAuth: ClientAuthMethod;
  /** The key of `private_key_jwt` (its private half is not enumerable: never logged). */
  readonly clientKey: ClientKey | undefined;
  /** The PEM files of `tls_client_auth`, read when discovery builds its connections. */
  readonly clientCertificate: Readonly<{ certificateFile: string; keyFile: string }> | undefined;
  /** Pushed authorization requests: `auto` when the provider advertises them. */
  readonly par: ParMode;
  readonly backendUrl: URL;
  readonly frontendUrl: URL;
  /** `FRONTEND_URL`'s origin: the only CORS origin and popup message target. */
  readonly frontendOrigin: string;
  readonly backendOrigin: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly audience: string;
  readonly scopes: string;
  /** Authorization parameters a sign-in may pass: the standard ones and `loginParams`. */
  readonly allowedLoginParams: readonly string[];
  /** Parameters sent on every sign-in (`authorizationParams`). */
  readonly authorizationParams: Readonly<Record<string, string>>;
  /** Refuses a sign-in or keeps extra claims with the session (`onSignIn`). */
  readonly onSignIn: SignInHook | undefined;
  readonly idleTimeout: number;
  readonly absoluteTimeout: number;
  readonly httpTimeout: number;
  readonly clockTolerance: number;
  /** `cid`s whose Bearer tokens are accepted; empty accepts every client of the issuer. */
  readonly allowedClientIds: readonly string[];
  /** JWS algorithms accepted on Bearer JWTs, all asymmetric. */
  readonly accessTokenAlgorithms: readonly string[];
  readonly accessTokenCacheSize: number;
  /** Seconds between JWKS fetches caused by an unknown `kid`. */
  readonly jwksCooldown: number;
  /** Opaque Bearer tokens: `off` refuses them, `on` introspects, `auto` when advertised. */
  readonly accessTokenIntrospection: 'auto' | 'on' | 'off';
  /** DPoP-bound access tokens: `allowed` beside Bearer, or `required` (RFC 9449). */
  readonly accessTokenDpop: 'allowed' | 'required';
  /** DPoP proofs must carry a nonce this backend issued. */
  readonly accessTokenDpopNonce: boolean;
  /** Introspection calls per second at most (bursts of one second's worth). */
  readonly introspectionRateLimit: number;
  /** Introspection calls in flight at once at most. */
  readonly introspectionConcurrency: number;
  readonly routes: Readonly<RoutePaths>;
  /** Remote APIs, by prefix (docs/remote-apis.md). */
  readonly remoteApis: readonly RemoteApi[];
  readonly exchangeToken: ExchangeToken | undefined;
  /** Each session's tokens are DPoP-bound to a key of its own (`dpop`, docs/dpop.md). */
  readonly dpop: boolean;
  readonly sessionStore: string | SessionStore;
  /** Cookies get `Secure` and the `__Host-` prefix when the backend is served over https. */
  readonly secureCookies: boolean;
  readonly sessionCookie: string;
  readonly transactionCookie: string;
  /** Loopback issuer and not production: dev conveniences (http issuer, generated secret). */
  readonly dev: boolean;
  /**
   * 32-byte keys derived from SESSION_SECRET, one list per purpose: the current secret's first,
   * then those of previous secrets (read, never written).
   */
  readonly keys: Readonly<{
    tokens: readonly TokenKey[];
    transaction: readonly Buffer[];
    /** The DPoP nonces' key (current secret only: an older nonce is simply renewed). */
    dpopNonce: Buffer;
  }>;
}

/** Names the option in messages: the environment variable when the value came from one. */
export type OptionNames = Partial<Record<keyof GatehouseOptions, string>>;

/**
 * Validates options once, at startup, into a frozen {@link Config}: each setting by its parser
 * in config/settings.ts, then the checks that involve several. Pure: it reads no file (the
 * development secret is `createGatehouse`'s, see config/dev-secret.ts). Throws a
 * {@link ConfigError} that names the option (or the variable in `names`) and the fix.
 */
export function parseConfig(options: GatehouseOptions, names: OptionNames = {}): Config {
  const name = (key: keyof GatehouseOptions) => names[key] ?? key;
  const field = <K extends keyof Settings>(key: K): ReturnType<Settings[K]['parse']> =>
    SETTINGS[key].parse(options[key] as never, name(key)) as ReturnType<Settings[K]['parse']>;

  const production = field('production');
  const issuer = field('issuer');
  const dev = !production && isLoopback(issuer.hostname);
  const clientId = field('clientId');
  const credentials = clientCredentials(options, name, dev);
  const backendUrl = field('backendUrl');
  const frontendUrl = field('frontendUrl');
  if (production && backendUrl.protocol !== 'https:' && !isLoopback(backendUrl.hostname)) {
    throw new ConfigError(
      `${name('backendUrl')} must be https in production (session cookies need Secure), got ${options.backendUrl}`,
    );
  }

  const secrets = field('sessionSecret');
  if (secrets.length === 0) {
    throw new ConfigError(
      dev
        ? `${name('sessionSecret')} is not set: createGatehouse() generates a development secret on a loopback issuer, parseConfig() needs one`
        : `${name('sessionSecret')} is required outside local development: set it to a random string of at least 32 characters (openssl rand -base64 32)`,
    );
  }

  const routes = field('routes');
  const idleTimeout = field('idleTimeout');
  const absoluteTimeout = field('absoluteTimeout');
  if (idleTimeout > absoluteTimeout) {
    throw new ConfigError(
      `${name('idleTimeout')} (${idleTimeout}s) cannot be longer than ${name('absoluteTimeout')} (${absoluteTimeout}s)`,
    );
  }

  const secureCookies = backendUrl.protocol === 'https:';
  const base = backendUrl.href.replace(/\/$/, '');
  return Object.freeze({
    issuer,
    clientId,
    ...credentials,
    par: field('par'),
    backendUrl,
    frontendUrl,
    frontendOrigin: frontendUrl.origin,
    backendOrigin: backendUrl.origin,
    redirectUri: base + routes.callback,
    // Exactly as given: providers compare registered sign-out URIs as strings.
    postLogoutRedirectUri: options.frontendUrl.trim(),
    audience: field('audience'),
    scopes: field('scopes'),
    allowedLoginParams: Object.freeze([...STANDARD_LOGIN_PARAMS, ...field('loginParams')]),
    authorizationParams: field('authorizationParams'),
    onSignIn: field('onSignIn'),
    idleTimeout,
    absoluteTimeout,
    httpTimeout: field('httpTimeout'),
    clockTolerance: field('clockTolerance'),
    allowedClientIds: field('allowedClientIds'),
    accessTokenAlgorithms: field('accessTokenAlgorithms'),
    accessTokenCacheSize: field('accessTokenCacheSize'),
    jwksCooldown: field('jwksCooldown'),
    accessTokenIntrospection: field('accessTokenIntrospection'),
    accessTokenDpop: field('accessTokenDpop'),
    accessTokenDpopNonce: field('accessTokenDpopNonce'),
    introspectionRateLimit: field('introspectionRateLimit'),
    introspectionConcurrency: field('introspectionConcurrency'),
    routes,
    remoteApis: field('remoteApis'),
    exchangeToken: field('exchangeToken'),
    dpop: field('dpop'),
    sessionStore: field('sessionStore'),
    secureCookies,
    // RFC 6265bis 4.1.3.2: __Host- cookies are Secure, host-only and Path=/.
    sessionCookie: (secureCookies ? '__Host-' : '') + defaults.cookieName,
    transactionCookie: (secureCookies ? '__Host-' : '') + defaults.cookieName + '-tx',
    dev,
    keys: Object.freeze({
      tokens: Object.freeze(secrets.map(tokenKey)),
      transaction: Object.freeze(secrets.map((secret) => deriveKey(secret, 'transaction'))),
      dpopNonce: deriveKey(secrets[0]!, 'dpop nonce'),
    }),
  });
}

/**
 * Whether {@link parseConfig} would be in local development without a secret: no
 * SESSION_SECRET, a loopback issuer, not production. `createGatehouse` then supplies one.
 */
export function needsDevSecret(options: GatehouseOptions): boolean {
  return sessionSecrets(options.sessionSecret).length === 0 && isLocalDevelopment(options);
}

/**
 * Whether options (not yet parsed) describe local development: a loopback issuer, not
 * production. `createGatehouse` supplies development secrets and keys only then.
 */
export function isLocalDevelopment(options: GatehouseOptions): boolean {
  if (SETTINGS.production.parse(options.production)) return false;
  try {
    return isLoopback(new URL(String(options.issuer).trim()).hostname);
  } catch {
    return false;
  }
}
