import type { Logger } from 'pino';
import type { SessionStore } from '../session/store.js';

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
}

/**
 * Options of {@link createGatehouse}. Every option has an environment variable, read by
 * {@link optionsFromEnv}; defaults live in `config/defaults.ts`.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouse({
 *   issuer: 'https://dev-123.okta.com/oauth2/default',
 *   clientId: '0oa...', clientSecret: process.env.OKTA_CLIENT_SECRET!,
 *   backendUrl: 'https://api.example.com', frontendUrl: 'https://app.example.com',
 *   sessionSecret: process.env.SESSION_SECRET,
 * })
 * ```
 */
export interface GatehouseOptions {
  /** `OKTA_ISSUER_URL`: the provider's issuer, discovery is fetched from it. */
  issuer: string;
  /** `OKTA_CLIENT_ID`: the application's client id at the provider (Okta: `0oa...`). */
  clientId: string;
  /** `OKTA_CLIENT_SECRET`: sent with HTTP Basic authentication to the token endpoint. */
  clientSecret: string;
  /** `BACKEND_URL`: the public URL of this backend; the redirect URI is built from it. */
  backendUrl: string;
  /** `FRONTEND_URL`: the React app's URL; the only CORS origin, and where sign-in returns. */
  frontendUrl: string;
  /**
   * `SESSION_SECRET`: at least 32 characters; keys for tokens at rest derive from it. To rotate,
   * list the new secret first and the previous ones after it (`SESSION_SECRET=new,old`, or an
   * array): sessions sealed under a previous secret are read and re-sealed under the first.
   */
  sessionSecret?: string | readonly string[];
  /** `SESSION_STORE`: `memory`, `sqlite:<path>`, or a store instance. */
  sessionStore?: string | SessionStore;
  /** `OKTA_AUDIENCE`: expected `aud` of access tokens. */
  audience?: string;
  /** `OKTA_SCOPES`: space-separated scopes to request. */
  scopes?: string;
  /** `SESSION_IDLE_TIMEOUT`, seconds. */
  idleTimeout?: number;
  /** `SESSION_ABSOLUTE_TIMEOUT`, seconds. */
  absoluteTimeout?: number;
  /** `HTTP_TIMEOUT`, seconds, for every call to the provider. */
  httpTimeout?: number;
  /** `CLOCK_TOLERANCE`, seconds. */
  clockTolerance?: number;
  /** `OKTA_ALLOWED_CLIENT_IDS` (comma-separated): accept Bearer tokens of these `cid`s only. */
  allowedClientIds?: string[];
  /** `ACCESS_TOKEN_ALGORITHMS` (comma-separated): JWS algorithms accepted on Bearer JWTs. */
  accessTokenAlgorithms?: string[];
  /** `ACCESS_TOKEN_CACHE_SIZE`: verified Bearer tokens remembered; 0 turns the cache off. */
  accessTokenCacheSize?: number;
  /** `JWKS_COOLDOWN`, seconds: shortest time between JWKS fetches caused by an unknown `kid`. */
  jwksCooldown?: number;
  /**
   * `ACCESS_TOKEN_INTROSPECTION`: what to do with an opaque Bearer token (one without dots).
   * `off` refuses it with 401 without calling the provider: an Okta custom authorization server
   * issues JWT access tokens, which are verified locally, so an opaque token there is a guess
   * that must not cost a client-authenticated provider call. `on` introspects it (RFC 7662),
   * rate-limited; a provider without an `introspection_endpoint` is then a setup error (502).
   * `auto` introspects when discovery advertises an `introspection_endpoint`, else refuses
   * (Okta advertises one, so `auto` introspects there).
   */
  accessTokenIntrospection?: 'auto' | 'on' | 'off';
  /**
   * `INTROSPECTION_RATE_LIMIT`: introspection calls per second at most, per instance (bursts
   * up to one second's worth); beyond it an opaque token is answered 503 with `Retry-After`.
   */
  introspectionRateLimit?: number;
  /**
   * `INTROSPECTION_CONCURRENCY`: introspection calls in flight at once at most, per instance;
   * beyond it an opaque token is answered 503 with `Retry-After`, never kept waiting.
   */
  introspectionConcurrency?: number;
  /** Paths of the routes Gatehouse serves. */
  routes?: Partial<RoutePaths>;
  /** A pino logger; Gatehouse never logs tokens, codes or cookies. */
  logger?: Logger;
  /** `NODE_ENV=production` turns dev conveniences off even on a loopback issuer. */
  production?: boolean;
}
