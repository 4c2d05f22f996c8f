import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A demo account of the dev IdP, shaped like an Okta user: an Okta-like `id` (the ID token's
 * `sub`, the access token's `uid`), the login `email` (the access token's `sub`, as Okta does),
 * a plain-text dev password, profile names and group names.
 *
 * @example
 * ```ts
 * const user: DevUser = {
 *   id: '00u3kim', email: 'kim@example.com', password: 'kim-dev-password',
 *   name: 'Kim Lee', given_name: 'Kim', family_name: 'Lee', groups: ['Everyone'],
 * };
 * await startDevIdp({ users: [user] });
 * ```
 */
export interface DevUser {
  id: string;
  email: string;
  password: string;
  name: string;
  given_name: string;
  family_name: string;
  groups: string[];
}

const USERS_FILE = new URL('../users.json', import.meta.url);
const STRING_FIELDS = ['id', 'email', 'password', 'name', 'given_name', 'family_name'] as const;

/**
 * The demo users from `packages/dev-idp/users.json` (Ada, an admin, and Sam) with their
 * published passwords, read fresh on every call so a caller may change its copy. `startDevIdp`
 * uses these passwords by default only with `fixedDemoCredentials`.
 *
 * @example
 * ```ts
 * const [ada] = defaultUsers();
 * await signIn(authorizationUrl, { email: ada.email, password: ada.password });
 * ```
 */
export function defaultUsers(): DevUser[] {
  return validateUsers(JSON.parse(readFileSync(USERS_FILE, 'utf8')), 'users.json');
}

/**
 * The same users, each with a new random password: what `startDevIdp` uses when it is given no
 * `users` and no `fixedDemoCredentials`, so a library caller never serves the published ones.
 */
export function withGeneratedPasswords(users: readonly DevUser[]): DevUser[] {
  return users.map((user) => ({
    ...user,
    groups: [...user.groups],
    password: randomBytes(18).toString('base64url'),
  }));
}

/** Checks a user list once at startup; `source` names where it came from in the message. */
export function validateUsers(users: unknown, source: string): DevUser[] {
  if (!Array.isArray(users) || users.length === 0) {
    throw new TypeError(`${source} must be a non-empty array of users`);
  }
  const seen = new Set<string>();
  for (const [index, user] of users.entries()) {
    for (const field of STRING_FIELDS) {
      if (typeof user?.[field] !== 'string' || user[field] === '') {
        throw new TypeError(`${source}[${index}].${field} must be a non-empty string`);
      }
    }
    if (!Array.isArray(user.groups) || !user.groups.every((g: unknown) => typeof g === 'string')) {
      throw new TypeError(`${source}[${index}].groups must be an array of strings`);
    }
    for (const key of [`id:${user.id}`, `email:${user.email.toLowerCase()}`]) {
      if (seen.has(key)) throw new TypeError(`${source}[${index}] repeats ${key}`);
      seen.add(key);
    }
  }
  return users as DevUser[];
}

/**
 * The claims each scope releases. `groups` is under `openid` as well, like an Okta groups claim
 * set to "Any scope": groups are in every ID token.
 */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'groups'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
} as const satisfies Record<string, readonly string[]>;

/** The OpenID claims of a user; oidc-provider keeps those the granted scopes allow. */
export function userClaims(user: DevUser): Record<string, unknown> & { sub: string } {
  return {
    sub: user.id,
    name: user.name,
    given_name: user.given_name,
    family_name: user.family_name,
    preferred_username: user.email,
    email: user.email,
    email_verified: true,
    groups: [...user.groups],
  };
}

/** The claims of `user` that `scopes` release, for the userinfo endpoint. */
export function claimsForScopes(user: DevUser, scopes: readonly string[]): Record<string, unknown> {
  const all = userClaims(user);
  const released: Record<string, unknown> = { sub: all.sub };
  for (const scope of scopes) {
    for (const claim of SCOPE_CLAIMS[scope as keyof typeof SCOPE_CLAIMS] ?? []) {
      released[claim] = all[claim];
    }
  }
  return released;
}
