import { defaults } from '../config/defaults.js';
import { ReturnToInvalidError } from '../errors.js';

const BASE = 'http://gatehouse.invalid';

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
    throw new ReturnToInvalidError(
      'returnTo must be a path on this application, such as /account.',
    );
  }
  const url = new URL(value, BASE);
  // Dot segments can normalize to a scheme-relative path (`/..//evil` -> `//evil`).
  if (url.origin !== BASE || url.pathname.startsWith('//')) {
    throw new ReturnToInvalidError(
      'returnTo must be a path on this application, such as /account.',
    );
  }
  return url.pathname + url.search + url.hash;
}
