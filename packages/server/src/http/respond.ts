import type { GatehouseLogger as Logger } from '../logger.js';
import { GatehouseError } from '../errors.js';
import { channels } from '../events.js';
import type { GatehouseResponse } from './types.js';

/** No auth response may be cached: RFC 9700 4.16, RFC 6749 5.1. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): GatehouseResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

export function redirect(
  location: string,
  headers: Record<string, string | string[]> = {},
): GatehouseResponse {
  return { status: 302, headers: { location, ...NO_STORE, ...headers } };
}

/** The public body of an error: OAuth-style `error` and `error_description`, nothing private. */
export function errorBody(error: GatehouseError): { error: string; error_description: string } {
  return { error: error.error, error_description: error.description };
}

/**
 * The one place errors become responses. Anything that is not a {@link GatehouseError} is a
 * bug: it is logged in full and answered with a generic 500.
 */
export function toGatehouseError(error: unknown, log: Logger, context: string): GatehouseError {
  if (error instanceof GatehouseError) {
    // A caller without credentials is routine (every signed-out page asks /me): debug only.
    // Shedding an introspection flood is the defence working, not a fault: warn, not error.
    const level =
      error.status >= 500 && error.code !== 'ERR_INTROSPECTION_BUSY'
        ? 'error'
        : error.code === 'ERR_AUTHENTICATION_REQUIRED'
          ? 'debug'
          : 'warn';
    log[level](
      { code: error.code, status: error.status, detail: error.detail },
      `${context}: ${error.description}`,
    );
    return error;
  }
  log.error({ err: error }, `${context}: unexpected error`);
  return new GatehouseError('Something went wrong on our side. Try again in a moment.');
}

/**
 * A JSON error response, with the RFC 6750 challenge on 401 and 403, and `Retry-After`
 * (RFC 9110 10.2.3) when the error says when to come back.
 */
export function errorResponse(
  error: GatehouseError,
  headers: Record<string, string | string[]> = {},
): GatehouseResponse {
  const challenge =
    error.status === 401
      ? error.error === 'unauthorized'
        ? 'Bearer realm="gatehouse"'
        : `Bearer realm="gatehouse", error="${error.error}"`
      : undefined;
  if ((error.status === 401 || error.status === 403) && channels.refusal.hasSubscribers) {
    channels.refusal.publish({ status: error.status, code: error.code });
  }
  const extra: Record<string, string> = {};
  if (challenge) extra['www-authenticate'] = challenge;
  if (error.retryAfter !== undefined) {
    extra['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  }
  return json(error.status, errorBody(error), { ...extra, ...error.headers, ...headers });
}
