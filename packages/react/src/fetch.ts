/**
 * Thrown by an {@link AuthFetch} call. Switch on `code`: `network_error` (no answer),
 * `timeout`, `foreign_origin` (the path led away from the backend: not sent), after a step-up
 * `step_up_resend` (not sent again by itself) or `step_up_user_changed` (another user signed
 * in: not sent again), or for an HTTP error the backend's OAuth-style `error` (`http_error`
 * when the body has none). `status` is the HTTP status (0 without an answer), `body` the
 * parsed body.
 *
 * @example
 * ```ts
 * try {
 *   await authFetch('/secure-data');
 * } catch (e) {
 *   if (e instanceof AuthFetchError && e.status === 403) showForbidden();
 * }
 * ```
 */
export class AuthFetchError extends Error {
  override name = 'AuthFetchError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/**
 * Options of one {@link AuthFetch} call: `RequestInit` plus `json` (a value sent as a JSON
 * body), `timeout` in milliseconds and `retryNonIdempotent`.
 *
 * @example
 * ```ts
 * await authFetch('/notes', { method: 'POST', json: { text: 'hi' }, timeout: 5000 });
 * ```
 */
export interface AuthFetchInit extends RequestInit {
  json?: unknown;
  timeout?: number;
  /** This call's {@link AuthFetchOptions.retryNonIdempotent}. */
  retryNonIdempotent?: boolean;
}

/**
 * A `fetch` for the backend's API: resolves with the parsed JSON (or text) body, rejects with
 * an {@link AuthFetchError}.
 *
 * @example
 * ```ts
 * const data = await authFetch<{ message: string }>('/secure-data');
 * ```
 */
export type AuthFetch = <T = unknown>(path: string, init?: AuthFetchInit) => Promise<T>;

/**
 * Options of {@link createAuthFetch}.
 *
 * @example
 * ```ts
 * const options: AuthFetchOptions = { baseUrl: 'https://api.example.com', timeout: 5000 };
 * ```
 */
export interface AuthFetchOptions {
  /**
   * The backend: prefix of every path; `''` (the default) means the page's own origin, and a
   * relative one (`'/api'`) is on it. A path that leads to another origin is refused.
   */
  baseUrl?: string;
  /** Milliseconds before a request is aborted with code `timeout`; default 10 000. */
  timeout?: number;
  /** Called on the backend's 401 answer, before the call rejects (not on a step-up challenge). */
  onUnauthorized?: () => void;
  /**
   * Called on the backend's 401 `insufficient_user_authentication` (RFC 9470) with what it
   * asks for; resolving `true` (the user signed in again, strongly enough) retries the call
   * once. An {@link AuthFetchError} it rejects with is the call's error.
   */
  onStepUp?: (asked: StepUp) => Promise<boolean>;
  /**
   * After a step-up, send a non-idempotent request (POST, PATCH, anything but GET, HEAD,
   * OPTIONS, PUT and DELETE) again by itself. Default `false`: the call rejects with code
   * `step_up_resend` and the caller sends it again when it is safe to.
   */
  retryNonIdempotent?: boolean;
}

/**
 * What a step-up challenge asks for: `acr_values` and `max_age` of the sign-in that would do
 * (from `WWW-Authenticate`; the backend exposes it to the front end's origin).
 *
 * @example
 * ```ts
 * signIn({ popup: true, params: { acr_values: asked.acrValues ?? '', max_age: asked.maxAge ?? '' } });
 * ```
 */
export interface StepUp {
  acrValues?: string;
  maxAge?: string;
}

const STEP_UP = 'insufficient_user_authentication';
// RFC 9110 section 9.2.2: these may be sent twice with the effect of once.
const IDEMPOTENT = /^(GET|HEAD|OPTIONS|PUT|DELETE)$/i;

function stepUpOf(challenge: string | null): StepUp {
  const acr = /acr_values="([^"]*)"/.exec(challenge ?? '')?.[1];
  const age = /max_age=(\d+)/.exec(challenge ?? '')?.[1];
  return { ...(acr && { acrValues: acr }), ...(age && { maxAge: age }) };
}

/**
 * Makes a fetch for the backend outside React (inside it, prefer `useAuthFetch()`, which also
 * turns a 401 into the `signed-out` state). Every request sends the session cookie
 * (`credentials: 'include'`) and `X-CSRF: 1`, which the backend requires on unsafe methods,
 * so it goes to the backend's origin only: any other is refused with code `foreign_origin`.
 *
 * @example
 * ```ts
 * const authFetch = createAuthFetch({ baseUrl: 'http://localhost:7156', onUnauthorized: () => location.reload() });
 * const data = await authFetch<{ message: string }>('/secure-data');
 * ```
 */
export function createAuthFetch(options: AuthFetchOptions = {}): AuthFetch {
  const { baseUrl = '', timeout = 10_000, onUnauthorized, onStepUp } = options;
  const call = async <T>(path: string, given: AuthFetchInit = {}, retry = true): Promise<T> => {
    const {
      json,
      timeout: ms = timeout,
      signal,
      retryNonIdempotent = options.retryNonIdempotent,
      ...init
    } = given;
    // Resolved as the browser would: a path from data (`//evil.example`, `.evil.example` after
    // the host) must not take the session's cookie, X-CSRF and body to another origin.
    const page = globalThis.location?.href;
    const origin = new URL(baseUrl || '/', page).origin;
    const url = new URL(baseUrl + path, page);
    if (url.origin !== origin) {
      throw new AuthFetchError(
        'foreign_origin',
        `Refused ${url.origin}: not the backend, ${origin}.`,
      );
    }
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    const timer = setTimeout(abort, ms);
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort);
    const headers = new Headers(init.headers);
    headers.set('X-CSRF', '1');
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    if (json !== undefined) headers.set('Content-Type', 'application/json');
    try {
      const res = await fetch(url.href, {
        ...init,
        headers,
        body: json === undefined ? init.body : JSON.stringify(json),
        credentials: 'include',
        signal: ctl.signal,
      });
      const text = await res.text();
      let body: unknown = text || undefined;
      if (text && res.headers.get('Content-Type')?.includes('json')) {
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON after all: keep the text
        }
      }
      if (res.ok) return body as never;
      const { error, error_description } = (body ?? {}) as Record<string, unknown>;
      // Only the backend's own 401 speaks for the session (not one a redirect led elsewhere).
      const unauthorized = res.status === 401 && (!res.url || new URL(res.url).origin === origin);
      if (unauthorized && error === STEP_UP && onStepUp) {
        clearTimeout(timer);
        // One step-up, one retry: a backend that still refuses gets the error, never a loop.
        const done =
          retry &&
          (await onStepUp(stepUpOf(res.headers.get('WWW-Authenticate'))).catch((e: unknown) => {
            if (e instanceof AuthFetchError) throw e;
            return false;
          }));
        if (done && !retryNonIdempotent && !IDEMPOTENT.test(init.method ?? 'GET')) {
          throw new AuthFetchError(
            'step_up_resend',
            'The step-up sign-in succeeded: send the request again.',
            res.status,
            body,
          );
        }
        if (done) return await call<T>(path, given, false);
      } else if (unauthorized) onUnauthorized?.();
      throw new AuthFetchError(
        typeof error === 'string' ? error : 'http_error',
        typeof error_description === 'string' ? error_description : `HTTP ${res.status}`,
        res.status,
        body,
      );
    } catch (e) {
      if (e instanceof AuthFetchError) throw e;
      if (signal?.aborted) throw signal.reason;
      throw ctl.signal.aborted
        ? new AuthFetchError('timeout', `No answer within ${ms / 1000} s.`)
        : new AuthFetchError('network_error', 'The server could not be reached.');
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  };
  return call;
}
