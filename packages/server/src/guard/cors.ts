import type { Config } from '../config/parse.js';
import { errorBody, json } from '../http/respond.js';
import { CsrfRejectedError } from '../errors.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';

/**
 * CORS for exactly one origin, FRONTEND_URL's, with credentials. Other origins get no CORS
 * header at all, and their preflights a 403.
 */
export function corsPolicy(config: Config) {
  const granted: Record<string, string> = {
    'access-control-allow-origin': config.frontendOrigin,
    'access-control-allow-credentials': 'true',
    // The step-up challenge (RFC 9470) names the acr_values and max_age to sign in with; a
    // DPoP client (RFC 9449) reads the nonce it must put in its next proof.
    'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce',
    vary: 'Origin',
  };
  const preflight: Record<string, string> = {
    ...granted,
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
    'access-control-allow-headers': 'X-CSRF, Content-Type, Authorization, DPoP',
    'access-control-max-age': '600',
  };
  const denied = json(
    403,
    errorBody(new CsrfRejectedError('This origin is not allowed to call this API.')),
    {
      vary: 'Origin',
    },
  );

  return {
    /** Headers to add to a response: the grant for FRONTEND_URL, only `Vary` otherwise. */
    headers(request: GatehouseRequest): Record<string, string> {
      return request.headers.origin === config.frontendOrigin ? granted : VARY;
    },
    /** The answer to an `OPTIONS` preflight. */
    preflight(request: GatehouseRequest): GatehouseResponse {
      if (request.headers.origin !== config.frontendOrigin) return denied;
      return { status: 204, headers: preflight };
    },
  };
}

const VARY = { vary: 'Origin' };
