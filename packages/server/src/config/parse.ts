import { ConfigError } from '../errors.js';
import type { SessionStore } from '../session-store.js';
import { defaults } from './defaults.js';
import { STANDARD_LOGIN_PARAMS } from './login-params.js';
import type { SignInHook } from './sign-in-hook.js';
import { deriveKey, nextTokenKey, tokenKey, type TokenKey } from './keys.js';
import type { GatehouseOptions, RoutePaths } from './options.js';
import { isLoopback, sessionSecrets, SETTINGS, type Settings } from './settings.js';
import type { ExchangeToken, RemoteApi } from './remote-apis.js';
import { clientCredentials } from './client-credentials.js';
import { containsKnownDemoSecret, isKnownDemoSecret, isLoopbackIssuer } from './demo-values.js';
import type { ClientAuthMethod, ClientKey, ParMode } from './client-auth.js';
import type { Frontend } from './frontends.js';
import { withCredentials, type ProviderResolver, type ProviderSettings } from './providers.js';

export { sessionSecrets } from './settings.js';

// In the error catalog (errors.ts); re-exported for existing imports.
export { ConfigError } from '../errors.js';

/** The validated, frozen configuration that every part of Gatehouse reads. */
export interface Config {
  /** The default provider's issuer: the first of {@link providers}. */
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
  /** The default front end's URL: the first of `FRONTEND_URL`. */
  readonly frontendUrl: URL;
  /** The default front end's origin. */
  readonly frontendOrigin: string;
  /** Every front end of `FRONTEND_URL`, the default first (docs/front-ends.md). */
  readonly frontends: readonly Frontend[];
  readonly backendOrigin: string;
  readonly redirectUri: string;
  /** The default front end's sign-out return. */
  readonly postLogoutRedirectUri: string;
  readonly audience: string;
  readonly scopes: string;
  /**
   * Every configured provider, the default first: `default` from `issuer` when it is set, then
   * those of `providers` (docs/tenants.md). One provider: the single settings, id `default`.
   */
  readonly providers: readonly ProviderSettings[];
  /** Looks providers up by id at sign-in time (`resolveProvider`). */
  readonly resolveProvider: ProviderResolver | undefined;
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
  /** Bearer tokens of `signTestToken` are trusted (an app's tests; never in production). */
  readonly trustTestTokens: boolean;
  /**
   * 32-byte keys derived from SESSION_SECRET, one list per purpose: the current secret's first,
   * then those of SESSION_SECRET_NEXT and of previous secrets (read, never written).
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
  const providers = configuredProviders(options, name);
  const first = providers[0]!;
  const issuer = first.issuer;
  const dev = providers.every((one) => !production && isLoopback(one.issuer.hostname));
  const clientId = first.clientId;
  // The shared client authentication; each provider of `providers` may have its own
  // (`withCredentials`), and needs its own secret for the secret methods.
  const offset = providers.length - (options.providers?.length ?? 0);
  const credentials = clientCredentials(
    { ...options, clientSecret: options.clientSecret ?? first.clientSecret },
    name,
    dev,
    offset > 0,
  );
  const settled = providers.map((one, index) =>
    index < offset
      ? Object.freeze({ ...one, ...credentials })
      : withCredentials(
          one,
          credentials,
          `${name('providers')}[${index - offset}]`,
          name('clientAuth'),
        ),
  );
  const backendUrl = field('backendUrl');
  const frontends = field('frontendUrl');
  const frontendUrl = frontends[0]!.url;
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
  const nextSecrets = field('sessionSecretNext');
  const trustTestTokens = field('trustTestTokens');
  if (production && trustTestTokens) {
    throw new ConfigError(
      `${name('trustTestTokens')} is for an app's tests, refused in production (NODE_ENV=production): a test token names any user and scope`,
    );
  }
  if (production && !field('unsafeAllowDevProvider')) {
    const allSecrets = { sessionSecret: secrets, sessionSecretNext: nextSecrets };
    refuseDemoValues(issuer, credentials.clientSecret, allSecrets, name);
    for (const one of providers.slice(1)) {
      refuseDemoValues(one.issuer, one.clientSecret, allSecrets, name);
    }
  }
  if (nextSecrets.some((secret) => secrets.includes(secret))) {
    throw new ConfigError(
      `${name('sessionSecretNext')} repeats a secret of ${name('sessionSecret')}: once a secret seals (first in ${name('sessionSecret')}), remove it from ${name('sessionSecretNext')}`,
    );
  }
  // Sealing secret first, then the next ones (opened, never re-sealed), then previous ones.
  const known = [secrets[0]!, ...nextSecrets, ...secrets.slice(1)];

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
    frontends,
    backendOrigin: backendUrl.origin,
    redirectUri: base + routes.callback,
    postLogoutRedirectUri: frontends[0]!.postLogoutRedirectUri,
    audience: first.audience,
    scopes: first.scopes,
    providers: Object.freeze(settled),
    resolveProvider: field('resolveProvider'),
    allowedLoginParams: Object.freeze([...STANDARD_LOGIN_PARAMS, ...field('loginParams')]),
    authorizationParams: first.authorizationParams,
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
    trustTestTokens,
    keys: Object.freeze({
      tokens: Object.freeze(
        known.map((secret) => (nextSecrets.includes(secret) ? nextTokenKey : tokenKey)(secret)),
      ),
      transaction: Object.freeze(known.map((secret) => deriveKey(secret, 'transaction'))),
      dpopNonce: deriveKey(secrets[0]!, 'dpop nonce'),
    }),
  });
}

/**
 * The providers: `default` from the single settings when `issuer` is set (or `providers` is
 * not), then `providers`. A provider without `scopes` requests the `scopes` setting's.
 */
function configuredProviders(
  options: GatehouseOptions,
  name: (key: keyof GatehouseOptions) => string,
): ProviderSettings[] {
  const field = <K extends keyof Settings>(key: K): ReturnType<Settings[K]['parse']> =>
    SETTINGS[key].parse(options[key] as never, name(key)) as ReturnType<Settings[K]['parse']>;
  const scopes = field('scopes');
  const listed = field('providers').map((one, index) =>
    options.providers?.[index]?.scopes?.trim() ? one : Object.freeze({ ...one, scopes }),
  );
  listed.forEach((one, index) => {
    const first = listed.findIndex((other) => other.issuer.href === one.issuer.href);
    if (first < index) {
      const label = `${name('providers')}[${index}]`;
      throw new ConfigError(sameIssuerMessage(label, `${name('providers')}[${first}]`));
    }
  });
  if (listed.length > 0 && !isSet(options.issuer) && !isSet(options.clientId)) return listed;
  const single: ProviderSettings = Object.freeze({
    id: 'default',
    displayName: 'default',
    domains: Object.freeze([]),
    issuer: field('issuer'),
    clientId: field('clientId'),
    clientSecret: SETTINGS.clientSecret.parse(options.clientSecret),
    audience: field('audience'),
    scopes,
    authorizationParams: field('authorizationParams'),
    // The single settings' client authentication is the shared one (parseConfig).
    clientAuth: undefined,
    clientKey: undefined,
    clientCertificate: undefined,
    accessTokenIntrospection: undefined,
  });
  const clash = listed.findIndex((one) => one.id === 'default');
  const sameIssuer = listed.findIndex((one) => one.issuer.href === single.issuer.href);
  if (sameIssuer >= 0) {
    throw new ConfigError(sameIssuerMessage(`${name('providers')}[${sameIssuer}]`, name('issuer')));
  }
  if (clash >= 0) {
    throw new ConfigError(
      `${name('providers')}[${clash}].id is default, the id of the provider of ${name('issuer')}: choose another id`,
    );
  }
  return [single, ...listed];
}

/** Tokens name their issuer only: two providers of one issuer could not be told apart. */
const sameIssuerMessage = (label: string, other: string) =>
  `${label}.issuer is the issuer of ${other}: a token names its issuer only, so each provider needs its own (one Auth0 tenant with several organizations is one provider)`;

const isSet = (value: unknown): boolean => typeof value === 'string' && value.trim() !== '';

/**
 * The demo's values are public (the dev IdP's issuer, its published client secret), so a
 * production server refuses them: a `.env` copied from `npm start` must not go live.
 */
function refuseDemoValues(
  issuer: URL,
  clientSecret: string | undefined,
  sessionSecrets: Record<'sessionSecret' | 'sessionSecretNext', readonly string[]>,
  name: (key: keyof GatehouseOptions) => string,
): void {
  if (issuer.protocol === 'http:' && isLoopbackIssuer(issuer)) {
    throw new ConfigError(
      `${name('issuer')} must be https in production, got ${issuer.href}: an http issuer on loopback is a local provider such as the dev IdP, which is for development only (${name('unsafeAllowDevProvider')}=true accepts it for a production build tested on this machine)`,
    );
  }
  if (isKnownDemoSecret(clientSecret)) {
    throw new ConfigError(
      `${name('clientSecret')} is the demo's published client secret, refused in production: copy your application's secret from the provider (${name('unsafeAllowDevProvider')}=true accepts it for a production build tested against the dev IdP)`,
    );
  }
  // SESSION_SECRET_NEXT too: it seals once the rotation moves it into SESSION_SECRET.
  for (const key of ['sessionSecret', 'sessionSecretNext'] as const) {
    if (sessionSecrets[key].some(containsKnownDemoSecret)) {
      throw new ConfigError(
        `${name(key)} contains the demo's published client secret, refused in production: set a random one (openssl rand -base64 32)`,
      );
    }
  }
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
    const issuer = options.issuer ?? options.providers?.[0]?.issuer;
    return isLoopback(new URL(String(issuer).trim()).hostname);
  } catch {
    return false;
  }
}
