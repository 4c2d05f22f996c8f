import type { SessionUser } from './session-store.js';

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
