import { ConfigError } from '../errors.js';
import type { Claims } from '../principal.js';

/**
 * What {@link SignInHook} sees: the ID token's claims, the provider's userinfo (undefined when
 * it has no userinfo endpoint or the call failed), the token response (no refresh token), and
 * whether this is a refresh that brought a new ID token rather than a sign-in.
 */
export interface SignInEvent {
  claims: Claims;
  userinfo: Claims | undefined;
  tokens: {
    access_token: string;
    id_token?: string | undefined;
    scope?: string | undefined;
    expires_in?: number | undefined;
  };
  refresh: boolean;
}

/**
 * The answer of {@link SignInHook}: `false` refuses the sign-in (a 403 page, no session; on a
 * refresh, the session ends); `{ keep }` keeps those claims with the session (JSON, at most
 * 2 KiB), which `principal.claims` and `requireClaims` then see; anything else signs in. On a
 * refresh the answer replaces what the session kept: an answer without `keep` clears it.
 */
export type SignInDecision = void | undefined | boolean | { keep?: Record<string, unknown> };

/**
 * `onSignIn`: called after the callback's checks, before the session starts, and again on
 * each refresh that brings a new ID token. A hook that throws stops the sign-in with an error
 * page (a GatehouseError's status, else 500) and no session.
 *
 * @example
 * ```ts
 * onSignIn: ({ claims }) => claims.email_verified === true && { keep: { tenant: claims.tenant } }
 * ```
 */
export type SignInHook = (event: SignInEvent) => SignInDecision | Promise<SignInDecision>;

export function signInHook(value: SignInHook | undefined, label: string): SignInHook | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigError(`${label} must be a function ({ claims, userinfo, tokens }) => ...`);
  }
  return value;
}
