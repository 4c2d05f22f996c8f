/**
 * Every default of Gatehouse, in one place. The configuration reference in docs/ is written
 * from this file: change a default here and there together.
 */
export const defaults = Object.freeze({
  /** Okta's default custom authorization server audience. */
  audience: 'api://default',
  /** `offline_access` asks for a refresh token so sessions outlive the access token. */
  scopes: 'openid profile email offline_access',
  /** Session ends after this many seconds without a request. */
  idleTimeout: 60 * 60,
  /** Session ends this many seconds after sign-in, whatever the activity. */
  absoluteTimeout: 12 * 60 * 60,
  /** Connect and response timeout of every call to the provider, in seconds. */
  httpTimeout: 5,
  /** Allowed clock difference with the provider when checking `exp`, `nbf`, `iat`, in seconds. */
  clockTolerance: 30,
  /**
   * JWS algorithms accepted on Bearer JWTs: asymmetric only, so no key can be a shared secret
   * or "none" (RFC 8725 3.1).
   */
  accessTokenAlgorithms: Object.freeze([
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
  ]),
  /** `cid` values accepted on Bearer tokens; empty accepts every client of the issuer. */
  allowedClientIds: Object.freeze([] as string[]),
  /** Verified Bearer tokens (and introspection results) remembered, each until its `exp`. */
  accessTokenCacheSize: 10_000,
  /** Shortest time between two JWKS fetches caused by an unknown `kid`, in seconds. */
  jwksCooldown: 30,
  /**
   * Opaque Bearer tokens are refused without a provider call: Okta's custom authorization
   * servers issue JWTs, verified locally, so an opaque token is most likely a guess.
   */
  accessTokenIntrospection: 'off' as 'auto' | 'on' | 'off',
  /** Introspection calls/s at most, per instance. */
  introspectionRateLimit: 10,
  /** Introspection calls in flight at once at most, per instance. */
  introspectionConcurrency: 4,
  /** How long a token the provider refused is answered 401 without asking again, in seconds. */
  introspectionNegativeTtl: 30,
  /** Refused opaque tokens remembered; when full the oldest goes. */
  introspectionNegativeCacheSize: 10_000,
  /** How long an unfinished sign-in may take, in seconds. */
  transactionTtl: 10 * 60,
  /** Unfinished sign-ins remembered per browser (several tabs signing in at once). */
  maxTransactions: 3,
  /** Longest accepted `returnTo`, in characters. */
  maxReturnToLength: 512,
  /** Store for `npm run serve` when SESSION_STORE is not set. */
  sessionStore: 'sqlite:.gatehouse/sessions.db',
  /** Route paths, as in the seed tutorial. */
  routes: Object.freeze({
    login: '/login',
    callback: '/signin-oidc',
    logout: '/logout',
    me: '/me',
    backchannelLogout: '/backchannel-logout',
    sessions: '/sessions',
  }),
  /** Base name of the session cookie; `__Host-` is prefixed on https. */
  cookieName: 'gatehouse',
});
