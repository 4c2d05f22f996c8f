import type { Config } from '../config/parse.js';
import { AuthenticationRequiredError, SessionExpiredError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';
import type { Refresher } from '../oidc/refresh.js';
import { readCookie } from '../session/cookie.js';
import type { LoadedSession, Sessions } from '../session/sessions.js';
import type { SessionUser } from '../session/store.js';
import { csrfCheck, isUnsafe } from './csrf.js';

/**
 * Who is calling: the result of {@link Gatehouse.authenticate}, the same shape for every kind
 * of caller.
 */
export interface Principal {
  /** How the caller proved itself. */
  readonly via: 'session';
  readonly user: SessionUser;
  /** When the session ends (epoch seconds). */
  readonly expiresAt: number;
  /** The session's store key: for logout and session management. */
  readonly sessionKey: string;
  /** The current access token, refreshed if needed: for calling APIs on the user's behalf. */
  accessToken(): string;
}

/**
 * The guard: a session cookie (with CSRF checks on unsafe methods and a refresh of an expired
 * access token), or a 401. Precomputes everything it can; the per-request path allocates little.
 */
export function authenticator(config: Config, sessions: Sessions, refresher: Refresher) {
  const checkCsrf = csrfCheck(config);
  const cookieName = config.sessionCookie;

  return async function authenticate(request: GatehouseRequest): Promise<Principal> {
    const sessionId = readCookie(request.headers.cookie, cookieName);
    if (sessionId === undefined || sessionId === '') {
      throw new AuthenticationRequiredError('Sign in to access this resource.');
    }
    if (isUnsafe(request.method)) checkCsrf(request);
    let session = await sessions.load(sessionId);
    if (session && refresher.needsRefresh(session)) {
      await refresher.refresh(session);
      // Concurrent requests shared one refresh: read the tokens it stored.
      session = await sessions.load(sessionId);
    }
    if (!session) throw new SessionExpiredError('Your session has ended. Please sign in again.', 'no such session');
    return principalOf(session, sessions);
  };
}

function principalOf(session: LoadedSession, sessions: Sessions): Principal {
  return {
    via: 'session',
    user: session.record.user,
    expiresAt: session.record.expiresAt,
    sessionKey: session.key,
    accessToken: () => sessions.tokens(session).access_token,
  };
}
