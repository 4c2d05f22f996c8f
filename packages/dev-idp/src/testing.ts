/**
 * Helpers for tests that drive the dev IdP's pages with `fetch`, as a browser would: a cookie
 * jar, the login form, the logout page. No browser needed.
 */
import { createServer } from 'node:net';

interface StoredCookie {
  host: string;
  path: string;
  name: string;
  value: string;
  expires: number;
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    requestPath.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`)
  );
}

/**
 * A tiny browser-like cookie jar: cookies per host name (ports ignored, as browsers do), path
 * matching, expiry and deletion. Enough for the dev IdP and a backend on localhost.
 *
 * @example
 * ```ts
 * const jar = new CookieJar();
 * const res = await jar.fetch('http://localhost:7156/login'); // redirect: 'manual'
 * ```
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Remembers the cookies `response` sets for `url`. */
  capture(url: string | URL, response: Response): void {
    const { hostname, pathname } = new URL(url);
    const defaultPath = pathname.slice(0, pathname.lastIndexOf('/')) || '/';
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const cookie: StoredCookie = {
        host: hostname,
        path: defaultPath,
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        expires: Infinity,
      };
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const value = rest.join('=').trim();
        const name = key.trim().toLowerCase();
        if (name === 'path' && value.startsWith('/')) cookie.path = value;
        if (name === 'expires') cookie.expires = Math.min(cookie.expires, Date.parse(value));
        if (name === 'max-age') cookie.expires = Date.now() + Number(value) * 1000;
      }
      const key = `${cookie.host} ${cookie.path} ${cookie.name}`;
      if (cookie.expires <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  /** The `Cookie` header a browser would send to `url`, or undefined when there is none. */
  header(url: string | URL): string | undefined {
    const { hostname, pathname } = new URL(url);
    const now = Date.now();
    const pairs = [...this.#cookies.values()]
      .filter((c) => c.host === hostname && c.expires > now && pathMatches(pathname, c.path))
      .map((c) => `${c.name}=${c.value}`);
    return pairs.length ? pairs.join('; ') : undefined;
  }

  /** `fetch` with this jar's cookies, never following redirects (`redirect: 'manual'`). */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.capture(url, response);
    return response;
  }
}

/**
 * Email and password of a dev IdP user.
 *
 * @example
 * ```ts
 * const ada: DevCredentials = { email: 'ada@example.com', password: 'ada-dev-password' };
 * ```
 */
export interface DevCredentials {
  email: string;
  password: string;
}

/**
 * Thrown when the sign-in pages did not end in a redirect back to the client: wrong password
 * (`code` `ERR_DEV_IDP_WRONG_PASSWORD`) or an unexpected page (`ERR_DEV_IDP_UNEXPECTED_PAGE`).
 *
 * @example
 * ```ts
 * await expect(signIn(url, { email: 'ada@example.com', password: 'nope' })).rejects
 *   .toMatchObject({ code: 'ERR_DEV_IDP_WRONG_PASSWORD' });
 * ```
 */
export class DevIdpSignInError extends Error {
  constructor(
    readonly code: 'ERR_DEV_IDP_WRONG_PASSWORD' | 'ERR_DEV_IDP_UNEXPECTED_PAGE',
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'DevIdpSignInError';
  }
}

const MAX_HOPS = 10;

/**
 * Follows redirects from `response` (fetched from `url`) while they stay on the IdP's origin.
 * Returns the first URL off the IdP (the client's redirect URI) or the IdP page it stopped on.
 */
async function followOnIdp(
  url: string,
  response: Response,
  jar: CookieJar,
): Promise<{ url: string; response: Response; left: boolean }> {
  const { origin } = new URL(url);
  let current = { url, response };
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const location = current.response.headers.get('location');
    if (current.response.status < 300 || current.response.status > 399 || !location) {
      return { ...current, left: false };
    }
    await current.response.body?.cancel();
    const next = new URL(location, current.url).href;
    if (new URL(next).origin !== origin)
      return { url: next, response: current.response, left: true };
    current = { url: next, response: await jar.fetch(next) };
  }
  throw new DevIdpSignInError('ERR_DEV_IDP_UNEXPECTED_PAGE', `more than ${MAX_HOPS} redirects`, 0);
}

/**
 * Posts the dev IdP's login form at `loginPageUrl` (the `/interaction/<uid>` page the
 * authorization endpoint redirected to) and follows the IdP's redirects. Resolves to the URL
 * the browser is sent back to, the client's redirect URI with `code`, `state` and `iss`.
 * Rejects with {@link DevIdpSignInError} on a wrong password.
 *
 * @param loginPageUrl absolute URL of the login page
 * @param credentials the user's email and password
 * @param jar the cookie jar that fetched the authorization URL (it holds the interaction cookie)
 * @example
 * ```ts
 * const callbackUrl = await completeLogin(loginPageUrl, { email: 'ada@example.com', password: 'ada-dev-password' }, jar);
 * ```
 */
export async function completeLogin(
  loginPageUrl: string,
  credentials: DevCredentials,
  jar: CookieJar,
): Promise<string> {
  const response = await jar.fetch(loginPageUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...credentials }),
  });
  if (response.status === 401) {
    await response.body?.cancel();
    throw new DevIdpSignInError('ERR_DEV_IDP_WRONG_PASSWORD', 'wrong email or password', 401);
  }
  const end = await followOnIdp(loginPageUrl, await secondFactor(loginPageUrl, response, jar), jar);
  if (end.left) return end.url;
  throw new DevIdpSignInError(
    'ERR_DEV_IDP_UNEXPECTED_PAGE',
    `sign-in stopped at ${end.url} with status ${end.response.status}`,
    end.response.status,
  );
}

/**
 * Types the one-time code when the IdP asks for a second factor (an admin, `acr_values` asking
 * for it): the code is on the page, as a user would read it from their phone.
 */
async function secondFactor(url: string, response: Response, jar: CookieJar): Promise<Response> {
  if (response.status !== 200) return response;
  const html = await response.text();
  const code = /<code id="demo-code">(\d{6})<\/code>/.exec(html)?.[1];
  if (!code) return new Response(html, { status: 200 });
  return jar.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code }),
  });
}

/**
 * Opens an authorization URL (e.g. the `Location` of a backend's `/login`), signs in on the
 * login page when it shows, and resolves to the URL the IdP sends the browser back to. With a
 * jar that already holds an IdP session, no login page shows (single sign-on).
 *
 * @example
 * ```ts
 * const jar = new CookieJar();
 * const callbackUrl = await signIn(authorizationUrl, { email: 'ada@example.com', password: 'ada-dev-password' }, jar);
 * const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), checks);
 * ```
 */
export async function signIn(
  authorizationUrl: string | URL,
  credentials: DevCredentials,
  jar: CookieJar = new CookieJar(),
): Promise<string> {
  const url = String(authorizationUrl);
  const end = await followOnIdp(url, await jar.fetch(url), jar);
  if (end.left) return end.url;
  await end.response.body?.cancel();
  if (end.response.status === 200 && new URL(end.url).pathname.startsWith('/interaction/')) {
    return completeLogin(end.url, credentials, jar);
  }
  throw new DevIdpSignInError(
    'ERR_DEV_IDP_UNEXPECTED_PAGE',
    `authorization stopped at ${end.url} with status ${end.response.status}`,
    end.response.status,
  );
}

/**
 * Opens an end-session URL (`/v1/logout?id_token_hint=...&post_logout_redirect_uri=...`) and
 * submits the logout page's form as its script would. Resolves to where the browser lands
 * (the `post_logout_redirect_uri`, or the IdP's signed-out page). The IdP session is gone after.
 *
 * @example
 * ```ts
 * const landing = await signOut(client.buildEndSessionUrl(config, { id_token_hint, post_logout_redirect_uri }), jar);
 * ```
 */
export async function signOut(endSessionUrl: string | URL, jar: CookieJar): Promise<string> {
  const url = String(endSessionUrl);
  const page = await followOnIdp(url, await jar.fetch(url), jar);
  if (page.left) return page.url;
  const html = await page.response.text();
  const action = /<form[^>]*id="op\.logoutForm"[^>]*action="([^"]+)"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) {
    throw new DevIdpSignInError(
      'ERR_DEV_IDP_UNEXPECTED_PAGE',
      `no logout form at ${page.url} (status ${page.response.status})`,
      page.response.status,
    );
  }
  const confirmUrl = new URL(action.replace(/&amp;/g, '&'), page.url).href;
  const response = await jar.fetch(confirmUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  const end = await followOnIdp(confirmUrl, response, jar);
  if (!end.left) await end.response.body?.cancel();
  return end.url;
}

/** A free TCP port on loopback (closed again, so a server can take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
