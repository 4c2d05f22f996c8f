import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { GatehouseError } from './errors.js';
import { providerError } from './oidc/provider-errors.js';

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

/**
 * Runs one call to the provider: measures it for `gatehouse:provider-call` and turns whatever
 * it throws into a {@link GatehouseError}.
 */
export async function callProvider<T>(step: string, call: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    const result = await call();
    if (channels.providerCall.hasSubscribers) {
      channels.providerCall.publish({ step, durationMs: performance.now() - start, ok: true });
    }
    return result;
  } catch (error) {
    const failure: GatehouseError = providerError(error, step);
    if (channels.providerCall.hasSubscribers) {
      channels.providerCall.publish({
        step,
        durationMs: performance.now() - start,
        ok: false,
        code: failure.code,
      });
    }
    throw failure;
  }
}
