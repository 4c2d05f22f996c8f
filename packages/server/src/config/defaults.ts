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
  }),
  /** Base name of the session cookie; `__Host-` is prefixed on https. */
  cookieName: 'gatehouse',
});
