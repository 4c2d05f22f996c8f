import { channel, tracingChannel } from 'node:diagnostics_channel';

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
  /** `{ status, code }` when a request is answered 401 or 403 (the guard, a rule, CSRF, ...). */
  refusal: channel('gatehouse:refusal'),
});

/** A traced operation's context: Node sets `error` (it threw) or `result` (it resolved). */
interface Traced {
  error?: unknown;
  result?: unknown;
}

/** `/login` starting a sign-in. */
export type LoginTrace = Traced;
/** The callback, up to the session; it publishes `sign-in` or `sign-in-failed` inside. */
export type CallbackTrace = Traced;
/** Refreshing one session's access token (shared by the session's concurrent requests). */
export interface RefreshTrace extends Traced {
  sub: string;
}
/** One call to the provider; `error` is a `GatehouseError`. */
export interface ProviderCallTrace extends Traced {
  step: string;
}
/** One request to a remote API's upstream; `result` is its answer (`statusCode`). */
export interface RemoteApiTrace extends Traced {
  api: string;
  method: string;
  /** The upstream's origin: no path or query. */
  origin: string;
  sub: string;
}

/**
 * The operations that take time, on `node:diagnostics_channel` tracing channels
 * (`tracing:gatehouse:<name>:start`, `:end`, `:asyncStart`, `:asyncEnd`, `:error`), for spans.
 * They cost nothing while no one subscribes. Contexts never hold a token, cookie or session id;
 * `sub` where a user is known, as `sign-in` does. `@gatehouse/server/otel` turns them into spans.
 *
 * @example
 * ```ts
 * import { tracingChannel } from 'node:diagnostics_channel'
 * tracingChannel('gatehouse:provider-call').subscribe({
 *   start: ({ step }) => console.time(step),
 *   asyncEnd: ({ step }) => console.timeEnd(step),
 *   end() {}, asyncStart() {}, error() {},
 * })
 * ```
 */
export const tracing = Object.freeze({
  login: tracingChannel<unknown, LoginTrace>('gatehouse:login'),
  callback: tracingChannel<unknown, CallbackTrace>('gatehouse:callback'),
  refresh: tracingChannel<unknown, RefreshTrace>('gatehouse:refresh'),
  providerCall: tracingChannel<unknown, ProviderCallTrace>('gatehouse:provider-call'),
  remoteApi: tracingChannel<unknown, RemoteApiTrace>('gatehouse:remote-api'),
});
