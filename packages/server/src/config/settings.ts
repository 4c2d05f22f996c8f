import type { GatehouseLogger as Logger } from '../logger.js';
import { ConfigError } from '../errors.js';
import type { SessionStore } from '../session-store.js';
import {
  parseExchangeToken,
  parseRemoteApis,
  readRemoteApis,
  type ExchangeToken,
  type RemoteApiOptions,
} from './remote-apis.js';
import { fixedAuthorizationParams, loginParamExtras } from './login-params.js';
import { signInHook, type SignInHook } from './sign-in-hook.js';

import { parseClientAuth, parseClientKey, parseParMode } from './client-auth.js';
import { required, seconds, sessionSecrets, url, whole, type Setting } from './setting-kit.js';

const optionalText = (value: string | undefined): string | undefined => value?.trim() || undefined;

/**
 * Every setting of Gatehouse, once: its option name (the key), its environment variable, its
 * default, its parser and its doc line (the TSDoc comment). Everything else derives from here:
 * the `GatehouseOptions` type (options.ts), `ENV_NAMES` and `optionsFromEnv` (env.ts), the
 * setting defaults in `defaults` (defaults.ts), the per-field work of `parseConfig` (parse.ts)
 * and docs/configuration.md (scripts/config-reference.mjs reads the comments and the values).
 *
 * A parser is pure: it gets the given value (undefined when not set) and the name to use in
 * messages, and returns the validated value or throws a {@link ConfigError}. Checks that involve
 * several settings (idle vs absolute timeout, https in production, the dev secret) are parseConfig's.
 */
/** Route paths served by Gatehouse. */
export interface RoutePaths {
  login: string;
  callback: string;
  logout: string;
  me: string;
  /** OpenID Connect Back-Channel Logout: register `BACKEND_URL` + this at the provider. */
  backchannelLogout: string;
  /** "Your devices": `GET` lists the user's sessions, `DELETE <path>/:id` ends one. */
  sessions: string;
  /** The client's public keys (JWKS) for `private_key_jwt`: register `BACKEND_URL` + this. */
  jwks: string;
}

export type IntrospectionMode = 'auto' | 'on' | 'off';
export type DPoPMode = 'allowed' | 'required';

/**
 * JWS algorithms accepted on Bearer JWTs: asymmetric only, so no key can be a shared secret
 * or "none" (RFC 8725 3.1).
 */
const ALGORITHMS: readonly string[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

const ROUTES: Readonly<RoutePaths> = Object.freeze({
  login: '/login',
  callback: '/signin-oidc',
  logout: '/logout',
  me: '/me',
  backchannelLogout: '/backchannel-logout',
  sessions: '/sessions',
  jwks: '/.well-known/jwks.json',
});

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** Whether a host name is this machine: http is accepted there, and dev conveniences apply. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

export const SETTINGS = {
  /** The provider's issuer, discovery is fetched from it. */
  issuer: {
    env: 'OKTA_ISSUER_URL',
    required: true,
    parse(value: string, label: string): URL {
      const issuer = url(value, label);
      if (
        issuer.protocol !== 'https:' &&
        !(issuer.protocol === 'http:' && isLoopback(issuer.hostname))
      ) {
        throw new ConfigError(
          `${label} must be an https URL (http is accepted on localhost only), got ${value}`,
        );
      }
      return issuer;
    },
  },
  /** The application's client id at the provider (Okta: `0oa...`). */
  clientId: { env: 'OKTA_CLIENT_ID', required: true, parse: required },
  /** Its client secret; required for the secret methods of `clientAuth` only. */
  clientSecret: { env: 'OKTA_CLIENT_SECRET', parse: optionalText },
  /**
   * How Gatehouse authenticates to the provider's token, introspection, revocation and PAR
   * endpoints: `client_secret_basic` (HTTP Basic), `client_secret_post` (in the form),
   * `private_key_jwt` (a JWT signed with `clientPrivateKey`) or `tls_client_auth` (a client
   * certificate). See docs/client-authentication.md.
   */
  clientAuth: {
    env: 'CLIENT_AUTH',
    read: 'mode',
    default: 'client_secret_basic',
    parse: parseClientAuth,
  },
  /**
   * The private key of `private_key_jwt`: a private JWK (JSON) or PEM text; RSA (RS256), EC P-256
   * (ES256) or Ed25519 (EdDSA). Its public half is served at the `jwks` route. On a loopback
   * issuer outside production, a key is generated per process when none is given.
   */
  clientPrivateKey: { env: 'CLIENT_PRIVATE_KEY', parse: parseClientKey },
  /** A file holding `clientPrivateKey` (read at startup), instead of the key itself. */
  clientPrivateKeyFile: { env: 'CLIENT_PRIVATE_KEY_FILE', parse: optionalText },
  /** `tls_client_auth`: the PEM client certificate presented on TLS connections to the provider. */
  clientCertificateFile: { env: 'CLIENT_CERTIFICATE_FILE', parse: optionalText },
  /** `tls_client_auth`: the PEM private key of `clientCertificateFile`. */
  clientCertificateKeyFile: { env: 'CLIENT_CERTIFICATE_KEY_FILE', parse: optionalText },
  /**
   * Pushed authorization requests (RFC 9126): the sign-in parameters go to the provider
   * directly and the browser carries only `client_id` and `request_uri`. `auto` uses them when
   * discovery advertises `pushed_authorization_request_endpoint`, `on` always, `off` never.
   */
  par: { env: 'PAR', read: 'mode', default: 'auto', parse: parseParMode },
  /** The public URL of this backend; the redirect URI is built from it. */
  backendUrl: { env: 'BACKEND_URL', required: true, parse: url },
  /** The React app's URL; the only CORS origin, and where sign-in returns. */
  frontendUrl: { env: 'FRONTEND_URL', required: true, parse: url },
  /**
   * At least 32 characters; keys for tokens at rest derive from it. To rotate, list the new
   * secret first and the previous ones after it (`SESSION_SECRET=new,old`, or an array):
   * sessions sealed under a previous secret are read and re-sealed under the first.
   */
  sessionSecret: {
    env: 'SESSION_SECRET',
    requiredOutsideDev: true,
    parse(value: string | readonly string[] | undefined, label: string): string[] {
      const secrets = sessionSecrets(value);
      secrets.forEach((secret, index) => {
        if (secret.length < 32) {
          const which = secrets.length > 1 ? ` (secret ${index + 1} of ${secrets.length})` : '';
          throw new ConfigError(
            `${label} must be at least 32 characters${which}, got ${secret.length}`,
          );
        }
      });
      return secrets;
    },
  },
  /** `memory`, `sqlite:<path>`, `redis://...`, or a store instance. */
  sessionStore: {
    env: 'SESSION_STORE',
    default: 'memory',
    serveDefault: 'sqlite:.gatehouse/sessions.db',
    parse: (value: string | SessionStore | undefined): string | SessionStore => value ?? 'memory',
  },
  /** Expected `aud` of access tokens; the default is Okta's default custom authorization server's. */
  audience: {
    env: 'OKTA_AUDIENCE',
    default: 'api://default',
    parse: (value: string | undefined): string => value || 'api://default',
  },
  /**
   * Space-separated scopes to request; `offline_access` asks for a refresh token so sessions
   * outlive the access token.
   */
  scopes: {
    env: 'OKTA_SCOPES',
    default: 'openid profile email offline_access',
    parse: (value: string | undefined): string => value || 'openid profile email offline_access',
  },
  /**
   * Authorization parameters a sign-in may pass besides `prompt`, `login_hint`, `acr_values`,
   * `max_age`, `ui_locales` and `organization` (`/login?name=value`, `signIn({ params })`).
   */
  loginParams: {
    env: 'LOGIN_PARAMS',
    read: 'list',
    default: Object.freeze([]) as readonly string[],
    parse: (value: readonly string[] | undefined, label: string) => loginParamExtras(value, label),
  },
  /**
   * Parameters sent on every sign-in (an object; the variable is a query string such as
   * `audience=api%3A%2F%2Forders&organization=org_123`); a sign-in's own parameters win.
   */
  authorizationParams: {
    env: 'AUTHORIZATION_PARAMS',
    parse: (value: Readonly<Record<string, string>> | string | undefined, label: string) =>
      fixedAuthorizationParams(value, label),
  },
  /**
   * `({ claims, userinfo, tokens }) => false | { keep }`: refuses a sign-in, or keeps extra claims
   * (at most 2 KiB of JSON) with the session; called again when a refresh brings a new ID token.
   */
  onSignIn: {
    parse: (value: SignInHook | undefined, label: string) => signInHook(value, label),
  },
  /** Session ends after this many seconds without a request. */
  idleTimeout: seconds('SESSION_IDLE_TIMEOUT', 60 * 60),
  /** Session ends this many seconds after sign-in, whatever the activity. */
  absoluteTimeout: seconds('SESSION_ABSOLUTE_TIMEOUT', 12 * 60 * 60),
  /** Connect and response timeout of every call to the provider, in seconds. */
  httpTimeout: seconds('HTTP_TIMEOUT', 5),
  /** Allowed clock difference with the provider when checking `exp`, `nbf`, `iat`, in seconds. */
  clockTolerance: seconds('CLOCK_TOLERANCE', 30, 0),
  /** Accept Bearer tokens of these `cid`s only; empty accepts every client of the issuer. */
  allowedClientIds: {
    env: 'OKTA_ALLOWED_CLIENT_IDS',
    read: 'list',
    default: Object.freeze([]) as readonly string[],
    parse: (value: string[] | undefined): readonly string[] => Object.freeze([...(value ?? [])]),
  },
  /**
   * JWS algorithms accepted on Bearer JWTs: asymmetric only, so no key can be a shared secret
   * or "none" (RFC 8725 3.1).
   */
  accessTokenAlgorithms: {
    env: 'ACCESS_TOKEN_ALGORITHMS',
    read: 'list',
    default: ALGORITHMS,
    parse(value: string[] | undefined, label: string): readonly string[] {
      if (value === undefined) return ALGORITHMS;
      const refused = value.filter((alg) => !ALGORITHMS.includes(alg));
      if (value.length === 0 || refused.length > 0) {
        throw new ConfigError(
          `${label} must list asymmetric JWS algorithms from ${ALGORITHMS.join(', ')}, got ${value.join(', ') || 'none'}`,
        );
      }
      return Object.freeze([...value]);
    },
  },
  /**
   * Verified Bearer tokens (and introspection results) remembered, each until its `exp`; 0
   * turns the cache off.
   */
  accessTokenCacheSize: whole('ACCESS_TOKEN_CACHE_SIZE', 10_000, 0),
  /** Shortest time between two JWKS fetches caused by an unknown `kid`, in seconds. */
  jwksCooldown: seconds('JWKS_COOLDOWN', 30, 0),
  /**
   * What to do with an opaque Bearer token (one without dots). `off` refuses it with 401
   * without calling the provider: an Okta custom authorization server issues JWT access tokens,
   * which are verified locally, so an opaque token there is a guess that must not cost a
   * client-authenticated provider call. `on` introspects it (RFC 7662), rate-limited; a provider
   * without an `introspection_endpoint` is then a setup error (502). `auto` introspects when
   * discovery advertises an `introspection_endpoint`, else refuses (Okta advertises one, so
   * `auto` introspects there).
   */
  accessTokenIntrospection: {
    env: 'ACCESS_TOKEN_INTROSPECTION',
    read: 'mode',
    default: 'off' as IntrospectionMode,
    parse(value: IntrospectionMode | undefined, label: string): IntrospectionMode {
      if (value === undefined) return 'off';
      const mode = (['auto', 'on', 'off'] as const).find((candidate) => candidate === value);
      if (!mode) throw new ConfigError(`${label} must be auto, on or off, got ${value}`);
      return mode;
    },
  },
  /**
   * DPoP-bound access tokens (RFC 9449, docs/dpop.md). `allowed`: `Authorization: DPoP` with a
   * `DPoP` proof is accepted beside Bearer, and a DPoP-bound token (`cnf.jkt`) sent as Bearer is
   * refused. `required`: every access token must come with a proof; Bearer tokens are refused.
   */
  accessTokenDpop: {
    env: 'ACCESS_TOKEN_DPOP',
    read: 'mode',
    default: 'allowed' as DPoPMode,
    parse(value: DPoPMode | undefined, label: string): DPoPMode {
      if (value === undefined) return 'allowed';
      const mode = (['allowed', 'required'] as const).find((candidate) => candidate === value);
      if (!mode) throw new ConfigError(`${label} must be allowed or required, got ${value}`);
      return mode;
    },
  },
  /**
   * DPoP proofs must carry a nonce this backend issued (RFC 9449 9): a proof without it is
   * answered 401 `use_dpop_nonce` with a `DPoP-Nonce` header. Nonces change every 5 minutes
   * and are derived from SESSION_SECRET, so every instance accepts them without shared state.
   */
  accessTokenDpopNonce: {
    env: 'ACCESS_TOKEN_DPOP_NONCE',
    read: (raw: string | undefined) => {
      const text = raw?.trim().toLowerCase();
      return text === 'true' || text === 'on'
        ? true
        : text === 'false' || text === 'off'
          ? false
          : raw || undefined;
    },
    default: false,
    parse(value: boolean | undefined, label: string): boolean {
      if (value === undefined || typeof value === 'boolean') return value ?? false;
      throw new ConfigError(`${label} must be true or false, got ${String(value)}`);
    },
  },
  /**
   * Introspection calls per second at most, per instance (bursts up to one second's worth);
   * beyond it an opaque token is answered 503 with `Retry-After`.
   */
  introspectionRateLimit: {
    env: 'INTROSPECTION_RATE_LIMIT',
    read: 'number',
    default: 10,
    parse(value: number | undefined, label: string): number {
      const rate = value ?? 10;
      if (!Number.isFinite(rate) || rate <= 0) {
        throw new ConfigError(
          `${label} must be a number of calls per second > 0 (turn introspection off instead), got ${value}`,
        );
      }
      return rate;
    },
  },
  /**
   * Introspection calls in flight at once at most, per instance; beyond it an opaque token is
   * answered 503 with `Retry-After`, never kept waiting.
   */
  introspectionConcurrency: whole('INTROSPECTION_CONCURRENCY', 4, 1),
  /**
   * Remote APIs the backend calls for the signed-in browser (docs/remote-apis.md): `/api/orders/x`
   * goes to the upstream with a Bearer token for that API. `REMOTE_APIS` is a JSON array, e.g.
   * `[{"path":"/api/orders","upstream":"http://localhost:7158","resource":"api://orders"}]`.
   */
  remoteApis: {
    env: 'REMOTE_APIS',
    read: readRemoteApis,
    default: [],
    parse: (value: RemoteApiOptions[] | undefined, label: string) => parseRemoteApis(value, label),
  },
  /**
   * `on` binds the session's tokens to a key pair of its own (DPoP, RFC 9449; docs/dpop.md): each
   * session gets an ES256 key, sealed with its tokens, and every call with those tokens (code
   * redemption, refresh, userinfo, remote API tokens, the proxy) carries a proof signed with it.
   * The provider must issue DPoP-bound tokens to this client.
   */
  dpop: {
    env: 'DPOP',
    read: 'mode',
    default: 'off',
    parse(value: 'on' | 'off' | boolean | undefined, label: string): boolean {
      if (value === undefined || value === 'off' || value === false) return false;
      if (value === 'on' || value === true) return true;
      throw new ConfigError(`${label} must be on or off, got ${String(value)}`);
    },
  },
  /** RFC 8693 token exchange for remote APIs, when the provider issues their tokens that way. */
  exchangeToken: {
    parse: (value: ExchangeToken | undefined, label: string) => parseExchangeToken(value, label),
  },
  /** Paths of the routes Gatehouse serves, as in the seed tutorial. */
  routes: {
    default: ROUTES,
    parse(value: Partial<RoutePaths> | undefined): Readonly<RoutePaths> {
      const routes = Object.freeze({ ...ROUTES, ...value });
      for (const [route, path] of Object.entries(routes)) {
        if (!path.startsWith('/'))
          throw new ConfigError(`routes.${route} must start with '/', got ${path}`);
      }
      return routes;
    },
  },
  /** Pino, or any logger with its methods; Gatehouse never logs tokens, codes or cookies. */
  logger: { parse: (value: Logger | undefined) => value },
  /** `NODE_ENV=production` turns dev conveniences off even on a loopback issuer. */
  production: {
    env: 'NODE_ENV',
    read: (raw: string | undefined) => raw === 'production',
    parse: (value: boolean | undefined): boolean => value ?? process.env.NODE_ENV === 'production',
  },
} satisfies Record<string, Setting>;

export type Settings = typeof SETTINGS;
export type { DefaultsOf, OptionsOf } from './setting-kit.js';
export { sessionSecrets } from './setting-kit.js';
