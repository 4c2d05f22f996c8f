import { defaults } from '../config/defaults.js';
import type { Frontend } from '../config/frontends.js';
import { ReturnToInvalidError } from '../errors.js';

const BASE = 'http://gatehouse.invalid';
const REFUSED =
  'returnTo must be a path on this application, such as /account, or a URL on one of its front ends.';

/**
 * `returnTo` must be a path on the front end: anything that could make the browser leave
 * for another host (`//evil`, `/\evil`, `https:`, tabs or newlines that browsers strip) is a
 * 400, so the redirect after sign-in can never be an open redirect (RFC 9700 4.11).
 */
export function localReturnTo(value: string | null): string {
  if (value === null || value === '') return '/';
  if (
    value.length > defaults.maxReturnToLength ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    /[\\\u0000-\u001f\u007f]/.test(value) ||
    /%(2f|5c)/i.test(value.slice(1, 4))
  ) {
    throw new ReturnToInvalidError(REFUSED);
  }
  const url = new URL(value, BASE);
  // Dot segments can normalize to a scheme-relative path (`/..//evil` -> `//evil`).
  if (url.origin !== BASE || url.pathname.startsWith('//')) {
    throw new ReturnToInvalidError(REFUSED);
  }
  return url.pathname + url.search + url.hash;
}

/** Where a sign-in returns: a path, on the front end named (none named: the default one). */
export interface ReturnTarget {
  frontend: Frontend | undefined;
  path: string;
}

/**
 * `returnTo` as a path (see {@link localReturnTo}), or as an absolute URL that starts with a
 * listed front end's origin exactly, as written (`https://admin.example.com/users`): another
 * host, port or scheme, userinfo, a differently spelled origin or a bad path is a 400. The
 * origin is compared as text, never as a parsed host, so no look-alike gets through.
 */
export function returnTarget(value: string | null, frontends: readonly Frontend[]): ReturnTarget {
  const text = value ?? '';
  const frontend = frontends.find(({ origin }) => text === origin || text.startsWith(origin + '/'));
  if (!frontend) return { frontend: undefined, path: localReturnTo(value) };
  return { frontend, path: localReturnTo(text.slice(frontend.origin.length) || '/') };
}
