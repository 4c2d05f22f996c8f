import type { IDToken } from 'openid-client';
import { AccessTokenInvalidError } from '../errors.js';
import type { BearerPrincipal, Claims } from '../principal.js';
import { userFromClaims } from '../provider/user.js';
import { INVALID_TOKEN } from './keys.js';

/**
 * The caller a verified token (JWT claims or introspection response) describes, frozen: it is
 * cached and shared by every request that sends the same token. Scopes come from Okta's `scp`
 * array or the standard space-separated `scope`; the client from Okta's `cid` or `client_id`.
 */
export function bearerPrincipal(
  token: string,
  claims: Claims,
  allowedClientIds: readonly string[],
  provider = 'default',
): BearerPrincipal {
  const clientId = text(claims.cid) ?? text(claims.client_id);
  if (
    allowedClientIds.length > 0 &&
    (clientId === undefined || !allowedClientIds.includes(clientId))
  ) {
    throw new AccessTokenInvalidError(INVALID_TOKEN, `client ${clientId ?? '(none)'} not allowed`);
  }
  const sub = text(claims.sub) ?? clientId;
  if (sub === undefined) throw new AccessTokenInvalidError(INVALID_TOKEN, 'no sub and no client');
  const user = Object.freeze(userFromClaims({ ...claims, sub } as IDToken));
  return Object.freeze({
    via: 'bearer',
    user,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : 0,
    scopes: Object.freeze(scopesOf(claims)),
    groups: Object.freeze(user.groups ?? []),
    claims: Object.freeze(claims),
    acr: text(claims.acr),
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
    clientId,
    provider,
    accessToken: () => token,
  });
}

function scopesOf(claims: Claims): string[] {
  if (Array.isArray(claims.scp)) return claims.scp.filter((scope) => typeof scope === 'string');
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  return [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
