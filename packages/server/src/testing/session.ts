import type { SessionUser } from '../session-store.js';
import type { Gatehouse } from '../gatehouse.js';
import type { SessionTokens } from '../session/crypto.js';
import { newDPoPKey } from '../session/dpop-key.js';
import { epochSeconds } from '../session/sessions.js';
import { testInternals } from './refuse.js';

/** What a test session holds; only `user` is required. */
export interface TestSessionOptions {
  /** Who is signed in: `sub` at least; `groups` feed `requireGroup`. */
  user: SessionUser;
  /** Claims kept with the session, as `onSignIn`'s `keep` would: `requireClaims` reads them. */
  claims?: Record<string, unknown>;
  /**
   * The tokens a sign-in would have brought: what `gatehouse.accessToken()` and the proxy to
   * remote APIs hand out. `apis`: an API's token by its `remoteApis` path. Default a
   * placeholder access token and no refresh token (the session is never refreshed).
   */
  tokens?: {
    access_token?: string;
    refresh_token?: string;
    id_token?: string;
    apis?: Record<string, string>;
  };
  /** Seconds until the access token expires. Default the session's absolute timeout. */
  accessTokenExpiresIn?: number;
  /** The scopes granted; default those of the `scopes` setting. */
  scopes?: string[];
  /** The sign-in's `acr`, for `requireAuthLevel`. */
  acr?: string;
  /** When the user signed in (`auth_time`, epoch seconds), for `requireAuthLevel`'s `maxAge`. */
  authTime?: number;
  /** The provider's session id, for a back-channel logout test. */
  sid?: string;
  /** The browser, as "your devices" lists it. */
  userAgent?: string;
}

/** A signed-in browser's session cookie, in the forms test tools take. */
export interface TestSession {
  /** The cookie's name: `gatehouse`, or `__Host-gatehouse` when the backend is on https. */
  name: string;
  /** Its value: the session id. */
  value: string;
  /** `name=value`: a `Cookie` header. */
  cookie: string;
  /**
   * The headers the React SDK sends, for fetch, supertest's `.set()` or an inject: the cookie
   * and `x-csrf: 1` (the CSRF check of unsafe methods and of the proxy to remote APIs).
   */
  headers: { cookie: string; 'x-csrf': '1' };
  /** For Playwright: `await context.addCookies([session.browserCookie])`. */
  browserCookie: {
    name: string;
    value: string;
    url: string;
    httpOnly: true;
    secure: boolean;
    sameSite: 'Lax';
  };
  /** When the session ends (epoch seconds), by its idle and absolute timeouts. */
  expiresAt: number;
}

const PLACEHOLDER_ACCESS_TOKEN = 'gatehouse-test-access-token';

/**
 * Signs a user in without the provider: writes a real session through the Gatehouse's own
 * store (tokens sealed under SESSION_SECRET, as a sign-in does) and returns its cookie.
 * Refused with NODE_ENV=production.
 *
 * @example
 * ```ts
 * const { headers } = await createTestSession(gatehouse, { user: { sub: '00u1ada', groups: ['admins'] } })
 * const response = await fetch(`${baseUrl}/me`, { headers })
 * ```
 */
export async function createTestSession(
  gatehouse: Gatehouse,
  options: TestSessionOptions,
): Promise<TestSession> {
  const { sessions } = testInternals(gatehouse, 'createTestSession');
  const { config } = gatehouse;
  if (typeof options?.user?.sub !== 'string' || options.user.sub === '') {
    throw new TypeError('createTestSession: user.sub must be a non-empty string');
  }
  const given = options.tokens ?? {};
  const apis = Object.entries(given.apis ?? {}).map(([path, token]) => [
    path,
    { access_token: token, expires_at: 0 },
  ]);
  const tokens: SessionTokens = {
    access_token: given.access_token ?? PLACEHOLDER_ACCESS_TOKEN,
    ...(given.refresh_token && { refresh_token: given.refresh_token }),
    ...(given.id_token && { id_token: given.id_token }),
    ...(apis.length > 0 && { apis: Object.fromEntries(apis) }),
    // DPOP=on: the session's tokens go out with proofs of its own key, as after a sign-in.
    ...(config.dpop && { dpop: await newDPoPKey() }),
  };
  const { id, record } = await sessions.start({
    user: options.user,
    tokens,
    accessTokenExpiresAt: epochSeconds() + (options.accessTokenExpiresIn ?? config.absoluteTimeout),
    scopes: options.scopes ?? config.scopes.split(' '),
    ...(options.sid !== undefined && { sid: options.sid }),
    ...(options.userAgent !== undefined && { userAgent: options.userAgent }),
    ...(options.acr !== undefined && { acr: options.acr }),
    ...(options.authTime !== undefined && { authTime: options.authTime }),
    ...(options.claims && { claims: options.claims }),
  });
  const name = config.sessionCookie;
  return {
    name,
    value: id,
    cookie: `${name}=${id}`,
    headers: { cookie: `${name}=${id}`, 'x-csrf': '1' },
    browserCookie: {
      name,
      value: id,
      url: config.backendUrl.origin,
      httpOnly: true,
      secure: config.secureCookies,
      sameSite: 'Lax',
    },
    expiresAt: record.expiresAt,
  };
}
