import {
  AccessDeniedError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  type GatehouseError,
} from '../errors.js';
import type { Claims, Principal } from '../principal.js';

/**
 * An authorization rule: returns to let an authenticated caller in, throws a 403
 * `GatehouseError` otherwise. The same rule serves session users and Bearer callers.
 *
 * @example
 * ```ts
 * const adminsOnly: Rule = requireGroup('admins')
 * app.get('/admin-data', requireAuth(gatehouse, adminsOnly), handler) // Express
 * ```
 */
export type Rule = (principal: Principal) => void;

/**
 * A test over the caller's claims (the token's, or the session user's profile).
 *
 * @example
 * ```ts
 * const sameTenant: ClaimsPredicate = (claims) => claims.tenant === 'acme'
 * ```
 */
export type ClaimsPredicate = (claims: Claims, principal: Principal) => boolean;

/** RFC 6749 3.3 scope-token: printable ASCII but space, `"` and `\`; safe in the challenge. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Lets in callers granted every one of `scopes`; others get 403 `insufficient_scope` with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` (RFC 6750 3.1). Session
 * users hold the configured scopes (`OKTA_SCOPES`).
 *
 * @example
 * ```ts
 * app.get('/orders', { preHandler: app.requireScope('orders:read') }, handler) // Fastify
 * app.get('/orders', requireAuth(gatehouse, requireScope('orders:read')), handler) // Express
 * ```
 */
export function requireScope(...scopes: string[]): Rule {
  if (scopes.length === 0) throw new TypeError('requireScope needs at least one scope');
  for (const scope of scopes) {
    if (!SCOPE_TOKEN.test(scope))
      throw new TypeError(`requireScope: ${JSON.stringify(scope)} is not a scope (RFC 6749 3.3)`);
  }
  const scope = scopes.join(' ');
  const description = `This resource needs the scope${scopes.length > 1 ? 's' : ''} ${scope}.`;
  return function scopeRule(principal) {
    for (const required of scopes) {
      if (!principal.scopes.includes(required)) {
        throw new InsufficientScopeError(scope, description, `missing scope ${required}`);
      }
    }
  };
}

/**
 * Lets in members of at least one of `groups` (the `groups` claim: Okta's groups claim);
 * others get 403 `access_denied`. Use it twice to need two groups.
 *
 * @example
 * ```ts
 * app.get('/admin-data', { preHandler: app.requireGroup('admins') }, handler) // Fastify
 * app.get('/admin-data', requireAuth(gatehouse, requireGroup('admins')), handler) // Express
 * ```
 */
export function requireGroup(...groups: string[]): Rule {
  if (groups.length === 0 || groups.some((group) => typeof group !== 'string' || group === '')) {
    throw new TypeError('requireGroup needs one or more group names');
  }
  const description = `This resource is for members of ${groups.join(' or ')}.`;
  return function groupRule(principal) {
    for (const group of groups) if (principal.groups.includes(group)) return;
    throw new AccessDeniedError(description, `not in ${groups.join(', ')}`);
  };
}

/**
 * Lets in callers signed in at (or holding a token of) one of the providers `ids`
 * (docs/tenants.md); others get 403 `access_denied`. The single provider settings' id is `default`.
 *
 * @example
 * ```ts
 * app.get('/acme', requireAuth(gatehouse, requireProvider('acme')), handler) // Express
 * ```
 */
export function requireProvider(...ids: string[]): Rule {
  if (ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new TypeError('requireProvider needs one or more provider ids');
  }
  const description = 'This resource is not for accounts of your identity provider.';
  return function providerRule(principal) {
    if (ids.includes(principal.provider ?? 'default')) return;
    throw new AccessDeniedError(
      description,
      `provider ${principal.provider} not in ${ids.join(', ')}`,
    );
  };
}

/**
 * Lets in callers whose claims pass `predicate`; others get 403 `access_denied` with
 * `description` as the public message.
 *
 * @example
 * ```ts
 * const staff = requireClaims((claims) => String(claims.email).endsWith('@example.com'), 'Staff only.')
 * app.get('/staff', requireAuth(gatehouse, staff), handler) // Express
 * app.get('/staff', { preHandler: app.requireClaims((claims) => claims.email_verified === true) }, handler)
 * ```
 */
export function requireClaims(
  predicate: ClaimsPredicate,
  description = 'You are not allowed to access this resource.',
): Rule {
  if (typeof predicate !== 'function')
    throw new TypeError('requireClaims needs a predicate function');
  return function claimsRule(principal) {
    if (predicate(principal.claims, principal) !== true) {
      throw new AccessDeniedError(
        description,
        `claims rule ${predicate.name || '(anonymous)'} refused`,
      );
    }
  };
}

/** What {@link requireAuthLevel} asks: any of `acr` (strongest first), within `maxAge` seconds. */
export interface AuthLevel {
  /** `acr` values that do, e.g. `'urn:okta:loa:2fa:any'` or `['mfa', 'phr']`. */
  acr?: string | readonly string[];
  /** The user must have authenticated at most this many seconds ago (`auth_time`). */
  maxAge?: number;
}

/**
 * Lets in callers who signed in with one of the `acr` values, within `maxAge` seconds; others
 * get 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
 * acr_values="...", max_age=...` (RFC 9470), which the React SDK's `fetch` answers by a step-up
 * sign-in. A session caller's `acr`/`auth_time` are its ID token's; a Bearer caller's, its token's.
 *
 * @example
 * ```ts
 * app.post('/admin/purge', requireAuth(gatehouse, requireAuthLevel({ acr: 'mfa', maxAge: 300 })), handler)
 * ```
 */
export function requireAuthLevel(level: AuthLevel): Rule {
  const acrValues = level.acr === undefined ? [] : [level.acr].flat();
  const { maxAge } = level;
  if (acrValues.length === 0 && maxAge === undefined)
    throw new TypeError('requireAuthLevel needs acr, maxAge or both');
  for (const acr of acrValues) {
    if (!SCOPE_TOKEN.test(acr))
      throw new TypeError(`requireAuthLevel: ${JSON.stringify(acr)} is not an acr value`);
  }
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0))
    throw new TypeError('requireAuthLevel: maxAge must be a whole number of seconds');
  const description =
    'This action needs a stronger or more recent sign-in. Please sign in again to continue.';
  return function authLevelRule(principal) {
    const { acr, authTime } = principal;
    let missing: string | undefined;
    if (acrValues.length > 0 && (acr === undefined || !acrValues.includes(acr)))
      missing = `acr ${acr ?? '(none)'}`;
    else if (
      maxAge !== undefined &&
      (authTime === undefined || Date.now() / 1000 - authTime > maxAge)
    )
      missing = `auth_time ${authTime ?? '(none)'}`;
    if (missing)
      throw new InsufficientUserAuthenticationError(acrValues, maxAge, description, missing);
  };
}

/**
 * The RFC 6750 3 challenge headers for a 403 on scopes; `errorResponse` adds the 401 ones.
 *
 * @example
 * ```ts
 * errorResponse(failure, challengeHeaders(failure))
 * ```
 */
export function challengeHeaders(error: GatehouseError): Record<string, string> | undefined {
  if (error.code === 'ERR_INSUFFICIENT_USER_AUTHENTICATION') {
    const { acrValues, maxAge } = error as InsufficientUserAuthenticationError;
    let challenge = 'Bearer realm="gatehouse", error="insufficient_user_authentication"';
    challenge += `, error_description="${error.description}"`;
    if (acrValues.length > 0) challenge += `, acr_values="${acrValues.join(' ')}"`;
    if (maxAge !== undefined) challenge += `, max_age=${maxAge}`;
    return { 'www-authenticate': challenge };
  }
  if (error.code !== 'ERR_INSUFFICIENT_SCOPE') return undefined;
  const { scope } = error as InsufficientScopeError;
  return {
    'www-authenticate': `Bearer realm="gatehouse", error="insufficient_scope", scope="${scope}"`,
  };
}
