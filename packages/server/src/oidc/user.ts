import * as client from 'openid-client';
import type { IDToken, UserInfoResponse } from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { GatehouseError } from '../errors.js';
import { callProvider } from '../observe.js';
import type { SessionUser } from '../session-store.js';

/** The user as the front end sees it, from ID token claims (and userinfo when they lack them). */
export function userFromClaims(claims: IDToken | UserInfoResponse): SessionUser {
  const user: SessionUser = { sub: claims.sub };
  const name = claims.name ?? claims.preferred_username;
  if (typeof name === 'string') user.name = name;
  if (typeof claims.email === 'string') user.email = claims.email;
  if (Array.isArray(claims.groups))
    user.groups = claims.groups.filter((g): g is string => typeof g === 'string');
  return user;
}

/**
 * The user of a token response: its ID token's claims, completed from userinfo when they lack
 * a name or an email (a userinfo failure keeps the ID token's claims). Sign-in and refresh both
 * take the user from here, so a refresh brings the provider's current groups.
 */
export async function userOfTokens(
  configuration: client.Configuration,
  claims: IDToken,
  accessToken: string,
  log: Logger,
): Promise<SessionUser> {
  const user = userFromClaims(claims);
  if ((user.name && user.email) || !configuration.serverMetadata().userinfo_endpoint) return user;
  const info = await callProvider('userinfo', () =>
    client.fetchUserInfo(configuration, accessToken, claims.sub),
  ).catch((failure: GatehouseError) => {
    log.warn({ detail: failure.detail }, 'userinfo failed; using ID token claims');
  });
  return info ? { ...userFromClaims(info), ...user } : user;
}

/** The scopes a token response granted (RFC 6749 5.1: absent when all requested ones were). */
export function grantedScopes(tokens: { scope?: string | undefined }): string[] | undefined {
  return tokens.scope?.split(' ').filter(Boolean);
}
