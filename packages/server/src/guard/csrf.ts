import type { Config } from '../config/parse.js';
import { CsrfRejectedError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a method may change state and so needs the CSRF defence. */
export function isUnsafe(method: string | undefined): boolean {
  return !SAFE.has(method ?? 'GET');
}

/**
 * CSRF defence for cookie-authenticated unsafe requests: the `X-CSRF: 1` header, which a
 * cross-site page cannot send without a CORS preflight that only FRONTEND_URL's front ends
 * pass, and, when the browser sends `Origin`, one of ours: a front end's or the backend's
 * (OWASP CSRF cheat sheet: custom request header plus origin verification).
 */
export function csrfCheck(config: Config) {
  const origins = new Set([...config.frontends.map((one) => one.origin), config.backendOrigin]);
  return function checkCsrf(request: GatehouseRequest): void {
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      throw new CsrfRejectedError(
        'This request comes from a site that is not allowed to call this API.',
        `origin ${origin}`,
      );
    }
    if (request.headers['x-csrf'] !== '1') {
      throw new CsrfRejectedError(
        'This request needs the header X-CSRF: 1.',
        'x-csrf header missing',
      );
    }
  };
}
