import { channel } from 'node:diagnostics_channel';

/**
 * What Gatehouse does, published on `node:diagnostics_channel` so metrics, tracing or audit
 * logs can subscribe without Gatehouse depending on any of them. Messages never hold a token.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel'
 * subscribe('gatehouse:sign-in', ({ sub }) => audit.log('sign-in', sub))
 * ```
 */
export const channels = Object.freeze({
  /** `{ sub }` after a session starts. */
  signIn: channel('gatehouse:sign-in'),
  /** `{ code }` when a sign-in fails, with the error's stable code. */
  signInFailed: channel('gatehouse:sign-in-failed'),
  /** `{ sub }` when a user signs out. */
  signOut: channel('gatehouse:sign-out'),
  /** `{ ok, code? }` after each access token refresh. */
  refresh: channel('gatehouse:refresh'),
  /** `{ ok, code? }` after each refresh token revocation at the end of a session (RFC 7009). */
  revocation: channel('gatehouse:revocation'),
  /** `{ step, durationMs, ok }` after each call to the provider (discovery, callback, refresh, ...). */
  providerCall: channel('gatehouse:provider-call'),
});
