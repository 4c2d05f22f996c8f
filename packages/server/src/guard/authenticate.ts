import type { Config } from '../config/parse.js';
import {
  AuthenticationRequiredError,
  BrowserOnlyError,
  GatehouseError,
  SessionExpiredError,
} from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';
import type { Refresher } from '../session/refresh.js';
import { SESSION_ENDED, type LoadedSession, type Sessions } from '../session/sessions.js';
import type { Claims, Principal, SessionPrincipal } from '../principal.js';
import { csrfCheck, isUnsafe } from './csrf.js';
import type { BearerVerifier } from '../bearer/verifier.js';
import { accessTokenGuard, credentialsRequired } from '../bearer/access-token.js';

export type { BearerPrincipal, Claims, Principal, SessionPrincipal } from '../principal.js';

/** The guard's three ways in: every one reads the request once and loads its session once. */
export interface Guard {
  /**
   * The caller: a Bearer (or DPoP) access token when the request has one, else the session
   * cookie, CSRF-checked on unsafe methods; or a 401, 403 or 503.
   */
  authenticate(request: GatehouseRequest): Promise<Principal>;
  /**
   * The session of a signed-in browser (`accessToken()`, `authorizationHeaders()`): as
   * {@link authenticate}, and a 403 for an access-token caller.
   */
  browserSession(request: GatehouseRequest): Promise<LoadedSession>;
  /**
   * The session a remote API is called for (remote/proxy.ts): the cookie alone, since a Bearer
   * token the browser sent is never a reason to act for it, and `X-CSRF: 1` on every method.
   */
  remoteApiSession(request: GatehouseRequest): Promise<LoadedSession>;
}

/**
 * The guard: a Bearer access token when the request has one, else a session cookie (with CSRF
 * checks and a refresh of an expired access token), or a 401. Precomputes everything it can;
 * the per-request path allocates little.
 */
export function authenticator(
  config: Config,
  sessions: Sessions,
  refresher: Refresher,
  bearer: Pick<BearerVerifier, 'verify'>,
): Guard {
  const checkCsrf = csrfCheck(config);
  const scopes = Object.freeze(config.scopes.split(' ').filter(Boolean));
  // A record without `provider` is the first provider's (`default`, the single settings').
  const firstProvider = config.providers[0]!.id;
  const noCredentials = credentialsRequired(config);
  const noRemoteApiSession = () => new AuthenticationRequiredError('Sign in to call this API.');
  const accessToken = accessTokenGuard(config, bearer, (id, expiresAt) =>
    sessions.claimOnce(id, expiresAt),
  );

  /** The live session of the cookie, its access token refreshed once expired. */
  async function cookieSession(
    request: GatehouseRequest,
    csrfOnEveryMethod: boolean,
    signedOut: () => GatehouseError,
  ): Promise<LoadedSession> {
    const sessionId = sessions.idOf(request);
    if (sessionId === undefined || sessionId === '') throw signedOut();
    if (csrfOnEveryMethod || isUnsafe(request.method)) checkCsrf(request);
    const session = await sessions.load(sessionId);
    if (!session) throw new SessionExpiredError(SESSION_ENDED, 'no such session');
    // Concurrent requests share one refresh, and each gets the session it stored.
    return refresher.needsRefresh(session) ? refresher.refresh(session) : session;
  }

  // No CSRF check for an access token: a cross-site page cannot set Authorization without a
  // CORS preflight.
  const accessTokenOf = (request: GatehouseRequest): string | undefined => {
    const authorization = request.headers.authorization;
    return authorization !== undefined && ACCESS_TOKEN.test(authorization)
      ? authorization
      : undefined;
  };

  return {
    async authenticate(request) {
      const authorization = accessTokenOf(request);
      if (authorization !== undefined) return accessToken(request, authorization);
      const session = await cookieSession(request, false, noCredentials);
      return principalOf(session, sessions, scopes, firstProvider);
    },
    async browserSession(request) {
      const authorization = accessTokenOf(request);
      if (authorization !== undefined) {
        // A token that fails is refused as authenticate refuses it (401); a good one, 403.
        await accessToken(request, authorization);
        throw new BrowserOnlyError('This needs a session.');
      }
      return cookieSession(request, false, noCredentials);
    },
    remoteApiSession: (request) => cookieSession(request, true, noRemoteApiSession),
  };
}

/**
 * Refusals that mean nobody is signed in: no credential at all, or a session cookie whose session
 * has ended. An access token that fails is not among them: RFC 6750 3.1 answers it 401, so its
 * client learns to renew it (or, with DPoP, to retry with the server's nonce, RFC 9449 9).
 */
const SIGNED_OUT: ReadonlySet<string> = new Set([
  'ERR_AUTHENTICATION_REQUIRED',
  'ERR_SESSION_EXPIRED',
]);

/**
 * The guard of a route that serves signed-out callers too: the caller, or null when it is
 * signed out. Every other refusal stands: a CSRF failure (403), an outage (503), a bad token.
 */
export function optionalAuthenticator(
  authenticate: (request: GatehouseRequest) => Promise<Principal>,
) {
  return async function authenticateOrNull(request: GatehouseRequest): Promise<Principal | null> {
    try {
      return await authenticate(request);
    } catch (error) {
      if (error instanceof GatehouseError && SIGNED_OUT.has(error.code)) return null;
      throw error;
    }
  };
}

/** RFC 6750 2.1 and RFC 9449 7.1: the scheme (Bearer or DPoP) is case-insensitive. */
const ACCESS_TOKEN = /^(?:bearer|dpop)(?: |$)/i;
const NO_GROUPS: readonly string[] = Object.freeze([]);

function principalOf(
  session: LoadedSession,
  sessions: Sessions,
  scopes: readonly string[],
  firstProvider: string,
): SessionPrincipal {
  const { user } = session.record;
  return {
    via: 'session',
    user,
    expiresAt: session.record.expiresAt,
    scopes: session.record.scopes ?? scopes,
    groups: user.groups ?? NO_GROUPS,
    claims: session.record.claims
      ? { ...session.record.claims, ...user }
      : (user as unknown as Claims),
    acr: session.record.acr,
    authTime: session.record.authTime,
    sessionKey: session.key,
    provider: session.record.provider ?? firstProvider,
    accessToken: () => sessions.tokens(session).access_token,
  };
}
