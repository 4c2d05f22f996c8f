import type { IDToken, UserInfoResponse } from 'openid-client';
import type { SessionUser } from '../session/store.js';

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
