import type { ClientMetadata } from 'oidc-provider';
import { DevIdpConfigError } from './config-file.js';
import { INTERACTION_PATH, ISSUER_PATH } from './provider.js';
import { validateUsers, withGeneratedPasswords, type DevUser } from './users.js';

/**
 * One more tenant of the dev IdP, beside `default`: an authorization server of its own at
 * `/oauth2/<id>`, with its own signing keys, users and client registrations, on the same port
 * (as one Okta org serves several custom authorization servers, or a SaaS signs each
 * customer in at their own Okta).
 *
 * @example
 * ```ts
 * const idp = await startDevIdp({ port: 0, tenants: [{ id: 'acme' }], fixedDemoCredentials: true });
 * idp.tenants[0].issuer; // http://localhost:<port>/oauth2/acme
 * ```
 */
export interface DevIdpTenant {
  /** `[a-z0-9-]{1,32}`, not `default`: the issuer is `<url>/oauth2/<id>`. */
  id: string;
  /**
   * The accounts that sign in here, and only here. Default the Acme demo users
   * ({@link acmeUsers}), with their published passwords only with `fixedDemoCredentials`.
   */
  users?: DevUser[];
  /** Its client registrations. Default the same clients (ids and secrets) as `default`. */
  clients?: ClientMetadata[];
}

/**
 * A running tenant, as {@link DevIdp} reports it.
 *
 * @example
 * ```ts
 * const acme: DevIdpTenantInfo = idp.tenants.find((t) => t.id === 'acme')!;
 * ```
 */
export interface DevIdpTenantInfo {
  id: string;
  /** `url + '/oauth2/' + id`. */
  issuer: string;
  /** The accounts that can sign in at this tenant, with the passwords in effect. */
  users: readonly DevUser[];
  /** Its registered clients, with the secrets in effect. */
  clients: readonly ClientMetadata[];
}

/** What one tenant is served from; the default tenant is `default` at the paths of today. */
export interface TenantLayout {
  id: string;
  /** The issuer's path under the origin. */
  path: string;
  /** Where its login pages live. */
  interactionPath: string;
  /** Its oidc-provider cookies' name prefix: cookies ignore ports and paths overlap. */
  cookiePrefix: string;
  users: DevUser[];
  clients: ClientMetadata[];
  keysFile: string | false;
}

const TENANT_ID = /^[a-z0-9-]{1,32}$/;

/**
 * The Acme demo users (the second tenant of `npm start`, `@acme.example` emails) with their
 * published passwords; a new copy on every call.
 *
 * @example
 * ```ts
 * const [ada] = acmeUsers(); // ada@acme.example / ada-acme-password
 * ```
 */
export function acmeUsers(): DevUser[] {
  return [
    {
      id: '00uacme1ada',
      email: 'ada@acme.example',
      password: 'ada-acme-password',
      name: 'Ada Byron',
      given_name: 'Ada',
      family_name: 'Byron',
      groups: ['Everyone', 'admins'],
    },
    {
      id: '00uacme2grace',
      email: 'grace@acme.example',
      password: 'grace-acme-password',
      name: 'Grace Hopper',
      given_name: 'Grace',
      family_name: 'Hopper',
      groups: ['Everyone'],
    },
  ];
}

/** The keys file of a tenant: `dev-idp-keys.json` gives `dev-idp-keys-acme.json` beside it. */
export function tenantKeysFile(file: string | false, id: string): string | false {
  return file && `${file.replace(/\.json$/, '')}-${id}.json`;
}

/** The default tenant, exactly as the dev IdP has always served it. */
export function defaultLayout(
  users: DevUser[],
  clients: ClientMetadata[],
  keysFile: string | false,
): TenantLayout {
  return {
    id: 'default',
    path: ISSUER_PATH,
    interactionPath: INTERACTION_PATH,
    cookiePrefix: 'gatehouse_idp',
    users,
    clients,
    keysFile,
  };
}

/** Checks `tenants` once at startup and lays each out; `fixed` keeps the published passwords. */
export function tenantLayouts(
  tenants: readonly DevIdpTenant[],
  main: TenantLayout,
  fixed: boolean,
): TenantLayout[] {
  const seen = new Set<string>(['default']);
  return tenants.map((tenant, index) => {
    const at = `startDevIdp: tenants[${index}]`;
    if (typeof tenant?.id !== 'string' || !TENANT_ID.test(tenant.id)) {
      throw new DevIdpConfigError(`${at}.id must match [a-z0-9-]{1,32}, got ${tenant?.id}`);
    }
    if (seen.has(tenant.id)) throw new DevIdpConfigError(`${at} repeats id ${tenant.id}`);
    seen.add(tenant.id);
    const users = tenant.users
      ? validateUsers(tenant.users, `${at}.users`)
      : fixed
        ? acmeUsers()
        : withGeneratedPasswords(acmeUsers());
    return {
      id: tenant.id,
      path: `/oauth2/${tenant.id}`,
      // Under the default's `/interaction/`, matched first: a uid never holds a slash.
      interactionPath: `${INTERACTION_PATH}/${tenant.id}`,
      cookiePrefix: `gatehouse_idp_${tenant.id.replace(/-/g, '_')}`,
      users,
      clients: tenant.clients ?? main.clients,
      keysFile: tenantKeysFile(main.keysFile, tenant.id),
    };
  });
}
