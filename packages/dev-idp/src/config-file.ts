import { readFileSync } from 'node:fs';
import type { ClientMetadata } from 'oidc-provider';
import { validateUsers, type DevUser } from './users.js';

/**
 * The users and clients of a dev IdP, from a JSON file (`gatehouse-dev-idp --config FILE`):
 * what an app's tests and CI sign in with. Either may be left out: the demo's are used then.
 *
 * @example
 * ```json
 * {
 *   "users": [{ "id": "00u3kim", "email": "kim@example.com", "password": "kim-test-password",
 *               "name": "Kim Lee", "given_name": "Kim", "family_name": "Lee", "groups": ["Everyone"] }],
 *   "clients": [{ "client_id": "my-app", "client_secret": "my-app-test-secret",
 *                 "redirect_uris": ["http://localhost:3000/signin-oidc"] }]
 * }
 * ```
 */
export interface DevIdpConfig {
  /** The accounts that can sign in, instead of the demo's. */
  users?: DevUser[];
  /** oidc-provider client metadata, instead of the demo's clients. */
  clients?: ClientMetadata[];
}

/**
 * A config file, or a client in it, that cannot be used: thrown at startup, never at the first
 * sign-in; `code` is `ERR_DEV_IDP_CONFIG` and the message names the file and the field.
 */
export class DevIdpConfigError extends TypeError {
  /** Always `ERR_DEV_IDP_CONFIG`. */
  readonly code = 'ERR_DEV_IDP_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'DevIdpConfigError';
  }
}

const KEYS = ['users', 'clients'];

/** Reads and checks a config file; every error names the file and the field to fix. */
export function readDevIdpConfig(path: string): DevIdpConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DevIdpConfigError(
      `${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DevIdpConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return validateDevIdpConfig(value, path);
}

/** Checks a config object once, at startup; `source` names where it came from. */
export function validateDevIdpConfig(value: unknown, source: string): DevIdpConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DevIdpConfigError(`${source} must be a JSON object with "users" and/or "clients"`);
  }
  const unknown = Object.keys(value).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0) {
    throw new DevIdpConfigError(
      `${source}: unknown key ${unknown.map((key) => JSON.stringify(key)).join(', ')} (expected "users" and/or "clients")`,
    );
  }
  const { users, clients } = value as Record<string, unknown>;
  if (users === undefined && clients === undefined) {
    throw new DevIdpConfigError(`${source} must have "users", "clients" or both`);
  }
  return {
    ...(users !== undefined && { users: checkedUsers(users, `${source}: users`) }),
    ...(clients !== undefined && { clients: validateClients(clients, `${source}: clients`) }),
  };
}

function checkedUsers(users: unknown, source: string): DevUser[] {
  try {
    return validateUsers(users, source);
  } catch (error) {
    throw new DevIdpConfigError((error as Error).message);
  }
}

const URI_LISTS = ['redirect_uris', 'post_logout_redirect_uris', 'grant_types'] as const;

/**
 * Checks what a client needs to be told apart and reached; oidc-provider checks the rest of its
 * metadata (RFC 7591) when it starts.
 */
function validateClients(clients: unknown, source: string): ClientMetadata[] {
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new DevIdpConfigError(`${source} must be a non-empty array of clients`);
  }
  const seen = new Set<string>();
  for (const [index, client] of clients.entries()) {
    const at = `${source}[${index}]`;
    if (typeof client !== 'object' || client === null || Array.isArray(client)) {
      throw new DevIdpConfigError(`${at} must be an object (oidc-provider client metadata)`);
    }
    const { client_id: id, client_secret: secret } = client as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') {
      throw new DevIdpConfigError(`${at}.client_id must be a non-empty string`);
    }
    if (seen.has(id)) throw new DevIdpConfigError(`${at} repeats client_id ${id}`);
    seen.add(id);
    if (secret !== undefined && (typeof secret !== 'string' || secret === '')) {
      throw new DevIdpConfigError(`${at}.client_secret must be a non-empty string when given`);
    }
    for (const list of URI_LISTS) {
      const entries = (client as Record<string, unknown>)[list];
      if (
        entries !== undefined &&
        !(Array.isArray(entries) && entries.every((e) => typeof e === 'string'))
      ) {
        throw new DevIdpConfigError(`${at}.${list} must be an array of strings`);
      }
    }
  }
  return clients as ClientMetadata[];
}
