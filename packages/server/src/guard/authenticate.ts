import type { Config } from '../config/parse.js';
import { GatehouseError, SessionExpiredError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';
import type { Refresher } from '../session/refresh.js';
import type { LoadedSession, Sessions } from '../session/sessions.js';
import type { Claims, Principal, SessionPrincipal } from '../principal.js';
import { csrfCheck, isUnsafe } from './csrf.js';
import type { BearerVerifier } from '../bearer/verifier.js';
import { accessTokenGuard, credentialsRequired } from '../bearer/dpop.js';

export type { BearerPrincipal, Claims, Principal, SessionPrincipal } from '../principal.js';

/**
 * The guard: a Bearer access token when the request has one, else a session cookie (with CSRF
 * checks on unsafe methods and a refresh of an expired access token), or a 401. Precomputes
 * everything it can; the per-request path allocates little.
 */
export function authenticator(
  config: Config,
  sessions: Sessions,
  refresher: Refresher,
  bearer: Pick<BearerVerifier, 'verify'>,
) {
  const checkCsrf = csrfCheck(config);
  const scopes = Object.freeze(config.scopes.split(' ').filter(Boolean));
  // A record without `provider` is the first provider's (`default`, the single settings').
  const firstProvider = config.providers[0]!.id;
  const noCredentials = credentialsRequired(config);
  const accessToken = accessTokenGuard(config, bearer, (id, expiresAt) =>
    sessions.claimOnce(id, expiresAt),
  );

  /** `loaded`: receives the session a cookie caller was found with (the remote-API proxy's). */
  return async function authenticate(
    request: GatehouseRequest,
    loaded?: { session?: LoadedSession },
  ): Promise<Principal> {
    const authorization = request.headers.authorization;
    // No CSRF check: a cross-site page cannot set Authorization without a CORS preflight.
    if (authorization !== undefined && ACCESS_TOKEN.test(authorization))
      return accessToken(request, authorization);
    const sessionId = sessions.idOf(request);
    if (sessionId === undefined || sessionId === '') {
      throw noCredentials();
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
    if (loaded) loaded.session = session;
    return principalOf(session, sessions, scopes, firstProvider);
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
