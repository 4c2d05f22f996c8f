import type { Config } from '../config/parse.js';
import { errorBody, json } from '../http/respond.js';
import { CsrfRejectedError } from '../errors.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';

/**
 * CORS for exactly the origins of FRONTEND_URL, each with credentials: the grant names the
 * request's own origin, compared whole (Fetch standard 3.2.5: one origin, never a pattern).
 * Other origins get no CORS header at all, and their preflights a 403.
 */
export function corsPolicy(config: Config) {
  const granted = new Map<string, Record<string, string>>();
  const preflights = new Map<string, Record<string, string>>();
  for (const { origin } of config.frontends) {
    const grant: Record<string, string> = {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      // The step-up challenge (RFC 9470) names the acr_values and max_age to sign in with; a
      // DPoP client (RFC 9449) reads the nonce it must put in its next proof.
      'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce',
      vary: 'Origin',
    };
    granted.set(origin, grant);
    preflights.set(origin, {
      ...grant,
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
      'access-control-allow-headers': 'X-CSRF, Content-Type, Authorization, DPoP',
      'access-control-max-age': '600',
    });
  }
  const denied = json(
    403,
    errorBody(new CsrfRejectedError('This origin is not allowed to call this API.')),
    {
      vary: 'Origin',
    },
  );
  const originOf = (request: GatehouseRequest) => request.headers.origin ?? '';

  return {
    /** Headers to add to a response: the grant for a front end, only `Vary` otherwise. */
    headers(request: GatehouseRequest): Record<string, string> {
      return granted.get(originOf(request)) ?? VARY;
    },
    /** The answer to an `OPTIONS` preflight. */
    preflight(request: GatehouseRequest): GatehouseResponse {
      const headers = preflights.get(originOf(request));
      return headers ? { status: 204, headers } : denied;
    },
  };
}

const VARY = { vary: 'Origin' };
