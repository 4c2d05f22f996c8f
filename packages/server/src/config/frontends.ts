import { ConfigError } from '../errors.js';
import { url } from './setting-kit.js';

/** One front end of `FRONTEND_URL`: a browser app that calls this backend with the cookie. */
export interface Frontend {
  readonly url: URL;
  /** Its origin: a CORS origin, a CSRF-accepted `Origin`, a popup message target. */
  readonly origin: string;
  /** Its sign-out return, exactly as given: providers compare registered URIs as strings. */
  readonly postLogoutRedirectUri: string;
}

/**
 * The front ends, the default (first) one first. Each is an http(s) URL with no query,
 * fragment or credentials, on an origin of its own: the origin is what CORS, the CSRF check,
 * the popup and sign-out tell them apart by.
 */
export function parseFrontends(value: string | undefined, label: string): readonly Frontend[] {
  const items = String(value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new ConfigError(`${label} is required`);
  const frontends = items.map((item, index) => {
    const parsed = url(item, items.length > 1 ? `${label} (front end ${index + 1})` : label);
    return Object.freeze({ url: parsed, origin: parsed.origin, postLogoutRedirectUri: item });
  });
  frontends.forEach((frontend, index) => {
    if (frontends.findIndex((other) => other.origin === frontend.origin) !== index) {
      throw new ConfigError(
        `${label} lists the origin ${frontend.origin} twice: each front end needs an origin of its own`,
      );
    }
  });
  return Object.freeze(frontends);
}

/** The listed front end whose origin is exactly `origin`, if any. */
export function frontendOf(
  frontends: readonly Frontend[],
  origin: string | undefined,
): Frontend | undefined {
  return origin === undefined ? undefined : frontends.find((one) => one.origin === origin);
}
