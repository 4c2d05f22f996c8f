import type { Config } from '../config/parse.js';
import { AuthenticationRequiredError, SessionExpiredError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';
import type { Refresher } from '../oidc/refresh.js';
import { readCookie } from '../session/cookie.js';
import type { LoadedSession, Sessions } from '../session/sessions.js';
import type { SessionUser } from '../session/store.js';
import { csrfCheck, isUnsafe } from './csrf.js';
import type { BearerVerifier } from '../bearer/verifier.js';

/** Claims about the caller: the token's for a Bearer caller, the session's user for a session. */
export type Claims = Readonly<Record<string, unknown>>;

/** What every caller has, whichever way it proved itself; authorization rules read these. */
interface Caller {
  readonly user: SessionUser;
  /** When the session or the token ends (epoch seconds; 0 when the provider did not say). */
  readonly expiresAt: number;
  /**
   * Granted scopes: the token's `scp`/`scope`; for a session, the scope the provider granted
   * (the requested scopes when its token response did not say, RFC 6749 5.1).
   */
  readonly scopes: readonly string[];
  /** The `groups` claim (Okta's groups claim), empty when there is none. */
  readonly groups: readonly string[];
  readonly claims: Claims;
  /** The caller's access token: for calling APIs on its behalf. */
  accessToken(): string;
}

/**
 * A browser user with a session cookie.
 *
 * @example
 * ```ts
 * if (principal.via === 'session') await store.delete(principal.sessionKey) // sign it out
 * ```
 */
export interface SessionPrincipal extends Caller {
  readonly via: 'session';
  /** The session's store key: for logout and session management. */
  readonly sessionKey: string;
}

/**
 * A non-browser caller with `Authorization: Bearer <access token>`: a CLI, a mobile app, a
 * service. `claims` are the JWT's claims or the introspection response.
 *
 * @example
 * ```ts
 * if (principal.via === 'bearer') console.log(principal.clientId, principal.claims.scp)
 * ```
 */
export interface BearerPrincipal extends Caller {
  readonly via: 'bearer';
  /** The client the token was issued to (`cid`, or `client_id`). */
  readonly clientId: string | undefined;
}

/**
 * Who is calling: the result of {@link Gatehouse.authenticate}. Switch on `via` for what only
 * one kind of caller has.
 *
 * @example
 * ```ts
 * const principal = await gatehouse.authenticate(req)
 * principal.user.sub; principal.scopes; principal.groups
 * ```
 */
export type Principal = SessionPrincipal | BearerPrincipal;

/**
 * The guard: a Bearer access token when the request has one, else a session cookie (with CSRF
 * checks on unsafe methods and a refresh of an expired access token), or a 401. Precomputes
 * everything it can; the per-request path allocates little.
 */
export function authenticator(
  config: Config,
  sessions: Sessions,
  refresher: Refresher,
  bearer: BearerVerifier,
) {
  const checkCsrf = csrfCheck(config);
  const cookieName = config.sessionCookie;
  const scopes = Object.freeze(config.scopes.split(' ').filter(Boolean));

  return async function authenticate(request: GatehouseRequest): Promise<Principal> {
    const authorization = request.headers.authorization;
    // No CSRF check: a cross-site page cannot set Authorization without a CORS preflight.
    if (authorization !== undefined && BEARER.test(authorization))
      return bearer.verify(authorization);
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
    if (!session)
      throw new SessionExpiredError(
        'Your session has ended. Please sign in again.',
        'no such session',
      );
    return principalOf(session, sessions, scopes);
  };
}

/** RFC 6750 2.1: the scheme is case-insensitive. */
const BEARER = /^bearer(?: |$)/i;
const NO_GROUPS: readonly string[] = Object.freeze([]);

function principalOf(
  session: LoadedSession,
  sessions: Sessions,
  scopes: readonly string[],
): SessionPrincipal {
  const { user } = session.record;
  return {
    via: 'session',
    user,
    expiresAt: session.record.expiresAt,
    scopes: session.record.scopes ?? scopes,
    groups: user.groups ?? NO_GROUPS,
    claims: user as unknown as Claims,
    sessionKey: session.key,
    accessToken: () => sessions.tokens(session).access_token,
  };
}
