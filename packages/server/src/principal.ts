import type { SessionUser } from './session-store.js';

/** Claims about the caller: the token's for a Bearer caller, the session's user for a session. */
export type Claims = Readonly<Record<string, unknown>>;

/**
 * What every caller has, whichever way it proved itself; authorization rules read these.
 * `Kept` types the extra claims an `onSignIn` hook keeps (e.g. `{ tenant: string }`): optional,
 * since a Bearer token or an older session may lack them.
 */
interface Caller<Kept extends object> {
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
  readonly claims: Claims & Partial<Kept>;
  /** How the user authenticated (`acr`): the session's ID token's, or the token's claim. */
  readonly acr?: string | undefined;
  /** When the user authenticated (`auth_time`, epoch seconds), likewise. */
  readonly authTime?: number | undefined;
  /**
   * The id of the provider that signed the user in or issued the token (docs/tenants.md):
   * `default` for the single provider settings.
   */
  readonly provider?: string;
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
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no kept claims by default
export interface SessionPrincipal<Kept extends object = {}> extends Caller<Kept> {
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
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no kept claims by default
export interface BearerPrincipal<Kept extends object = {}> extends Caller<Kept> {
  readonly via: 'bearer';
  /** The client the token was issued to (`cid`, or `client_id`). */
  readonly clientId: string | undefined;
}

/**
 * Who is calling: the result of {@link Gatehouse.authenticate}. Switch on `via` for what only
 * one kind of caller has; name the claims your `onSignIn` hook keeps to read them typed.
 *
 * @example
 * ```ts
 * const principal = await gatehouse.authenticate(req)
 * principal.user.sub; principal.scopes; principal.groups
 * const { claims } = principal as Principal<{ tenant: string }> // claims.tenant: string | undefined
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no kept claims by default
export type Principal<Kept extends object = {}> = SessionPrincipal<Kept> | BearerPrincipal<Kept>;
