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
import { BEARER_SETTINGS } from './bearer-settings.js';
import { parseFrontends } from './frontends.js';
import { parseClientAuth, parseClientKey, parseParMode } from './client-auth.js';
import {
  parseProviderList,
  parseResolver,
  readProviders,
  type ProviderOptions,
  type ProviderParsers,
  type ProviderResolver,
} from './providers.js';
import { flag, required, seconds, sessionSecrets, url, type Setting } from './setting-kit.js';

const optionalText = (value: string | undefined): string | undefined => value?.trim() || undefined;

/** A list of session secrets (comma-separated in the environment), each 32+ characters. */
function secretList(value: string | readonly string[] | undefined, label: string): string[] {
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
}

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

export type { DPoPMode, IntrospectionMode } from './bearer-settings.js';

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
  /**
   * The provider's issuer, discovery is fetched from it. Required unless `providers` is set;
   * with both, this provider is the one named `default`.
   */
  issuer: {
    env: 'OKTA_ISSUER_URL',
    alias: 'OIDC_ISSUER_URL',
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
  /** The application's client id at the provider (Okta: `0oa...`); required unless `providers`. */
  clientId: { env: 'OKTA_CLIENT_ID', alias: 'OIDC_CLIENT_ID', parse: required },
  /**
   * Several providers (docs/tenants.md): a JSON array of `{ id, issuer, clientId, clientSecret?,
   * audience?, scopes?, domains?, displayName?, authorizationParams?, clientAuth?,
   * clientPrivateKey?, clientCertificateFile?, clientCertificateKeyFile?,
   * accessTokenIntrospection? }`, each field as the single setting of that name. `/login?provider=<id>` signs in at one, `/login?login_hint=<email>` at
   * the one whose `domains` hold the email's domain; with neither, a page lets the user choose.
   */
  providers: {
    env: 'PROVIDERS',
    read: readProviders,
    default: [],
    parse: (value: readonly ProviderOptions[] | undefined, label: string) =>
      parseProviderList(value, label, PROVIDER_PARSERS),
  },
  /**
   * `(id) => Promise<provider | undefined>`: providers looked up at sign-in time by id (a
   * tenants table), each kept (a bounded number) with its own discovery and keys.
   */
  resolveProvider: {
    parse: (value: ProviderResolver | undefined, label: string) => parseResolver(value, label),
  },
  /** Its client secret; required for the secret methods of `clientAuth` only. */
  clientSecret: { env: 'OKTA_CLIENT_SECRET', alias: 'OIDC_CLIENT_SECRET', parse: optionalText },
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
  /**
   * The React app's URL: the CORS origin, where sign-in and sign-out return. Several front ends:
   * their URLs separated by commas, one origin each, the first the default (docs/front-ends.md).
   */
  frontendUrl: { env: 'FRONTEND_URL', required: true, parse: parseFrontends },
  /**
   * At least 32 characters each; keys for tokens at rest derive from it. The first secret seals;
   * the others (`SESSION_SECRET=new,old`, or an array) are previous secrets: a session sealed
   * under one is read and re-sealed under the first. Rotate in phases, with
   * `SESSION_SECRET_NEXT` first (docs/scaling.md, "Rotating SESSION_SECRET"): an instance
   * answers 503 `ERR_SESSION_KEY_UNKNOWN` for a session sealed under a secret it does not know
   * and leaves it in the store.
   */
  sessionSecret: { env: 'SESSION_SECRET', requiredOutsideDev: true, parse: secretList },
  /**
   * Phase 1 of a rotation: the new secret(s), 32+ characters, read but not used to seal yet. A
   * session sealed under one (by an instance already in phase 2) is served and left as it is.
   * Once every instance has it, move it to the front of `SESSION_SECRET` and unset this.
   */
  sessionSecretNext: { env: 'SESSION_SECRET_NEXT', parse: secretList },
  /**
   * `memory`, `sqlite:<path>`, `redis://...` (`rediss://` for TLS; a cluster:
   * `redis-cluster://host:port,host:port`; Sentinel:
   * `redis-sentinel://host:port,host:port/<master name>`; see docs/scaling.md),
   * `postgres://user:password@host:port/db` (or `postgresql://`; needs `pg`), or a store instance.
   */
  sessionStore: {
    env: 'SESSION_STORE',
    default: 'memory',
    serveDefault: 'sqlite:.gatehouse/sessions.db',
    parse: (value: string | SessionStore | undefined): string | SessionStore => value ?? 'memory',
  },
  /** Expected `aud` of access tokens; the default is Okta's default custom authorization server's. */
  audience: {
    env: 'OKTA_AUDIENCE',
    alias: 'OIDC_AUDIENCE',
    default: 'api://default',
    parse: (value: string | undefined): string => value || 'api://default',
  },
  /**
   * Space-separated scopes to request; `offline_access` asks for a refresh token so sessions
   * outlive the access token.
   */
  scopes: {
    env: 'OKTA_SCOPES',
    alias: 'OIDC_SCOPES',
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
   * `audience=api%3A%2F%2Forders&organization=org_123`). A floor: a sign-in may repeat one but
   * not replace it (a 400 page), except a stricter `max_age` or a subset of `acr_values`.
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
  ...BEARER_SETTINGS,
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
  /**
   * In production, accept what is refused there as the demo's: an `http://` loopback issuer (the
   * dev IdP) and its published client secret. For a production build tested against the dev
   * IdP on one machine (CI); never on a server others reach.
   */
  unsafeAllowDevProvider: flag('UNSAFE_ALLOW_DEV_PROVIDER'),
  /** Trust Bearer tokens of `signTestToken` (`@gatehouse/server/testing`); refused in production. */
  trustTestTokens: flag('TRUST_TEST_TOKENS'),
  /** `NODE_ENV=production` turns dev conveniences off even on a loopback issuer. */
  production: {
    env: 'NODE_ENV',
    read: (raw: string | undefined) => raw === 'production',
    parse: (value: boolean | undefined): boolean => value ?? process.env.NODE_ENV === 'production',
  },
} satisfies Record<string, Setting>;

/** A provider of `providers` is checked by the single settings' parsers. */
const PROVIDER_PARSERS: ProviderParsers = {
  issuer: (value, label) => SETTINGS.issuer.parse(value, label),
  clientId: required,
  scopes: 'openid profile email offline_access',
};

export type Settings = typeof SETTINGS;
export type { DefaultsOf, OptionsOf } from './setting-kit.js';
export { sessionSecrets } from './setting-kit.js';
