/**
 * Issue 11: authorization catches up with the provider. A refresh replaces the session's user
 * (groups included) with the refreshed ID token's, so a user removed from a group loses its
 * routes at the next refresh; and a session holds the scopes the provider granted (token
 * response `scope`), not the ones it asked for. Issue 22: a refresh that brings a new ID token
 * replaces the claims `onSignIn` kept, clearing them when the hook keeps none.
 */
import { requireClaims, type GatehouseOptions } from '@gatehouse/server';
import { describe, expect, test } from 'vitest';
import { USER } from '../hostile/provider.js';
import { REPORTS_SCOPE } from '../support/stack.js';
import { integrityHarness, on, STORES, signInDevice } from './support.js';

const harness = integrityHarness();
const ASKED = `openid profile email offline_access ${REPORTS_SCOPE}`;
const WITHOUT_REPORTS = 'openid profile email offline_access';
const acmeOnly = requireClaims((claims) => claims.tenant === 'acme', 'Acme only.');

/** What a hook answers once the user has no tenant: each keeps nothing. */
const KEEPS_NOTHING: Array<[string, NonNullable<GatehouseOptions['onSignIn']>]> = [
  [
    'an object without keep',
    ({ claims }) => (claims.tenant ? { keep: { tenant: claims.tenant } } : {}),
  ],
  ['true', ({ claims }) => (claims.tenant ? { keep: { tenant: claims.tenant } } : true)],
  ['undefined', ({ claims }) => (claims.tenant ? { keep: { tenant: claims.tenant } } : undefined)],
];

describe.each(STORES)('authorization catches up, %s', (kind) => {
  test('a user removed from admins at the provider is refused the admins route after the next refresh; /me shows the new groups', async () => {
    const { hostile } = harness;
    const rp = await harness.start(kind);
    hostile.accessTokenTtl = 0; // every request refreshes, so reads the provider's latest claims
    hostile.userClaims = { groups: ['admins', 'staff'] };
    const device = await signInDevice(hostile, rp);
    const before = await on(rp, device, '/admin-data');
    expect(before.status).toBe(200);
    expect((await before.json()).groups).toEqual(['admins', 'staff']);

    hostile.userClaims = { groups: ['staff'] }; // removed from admins
    const after = await on(rp, device, '/admin-data');
    expect(hostile.callsTo('token').at(-1)!.form!.get('grant_type')).toBe('refresh_token');
    expect(after.status, 'admins route after the refresh that dropped admins').toBe(403);
    expect((await after.json()).error).toBe('access_denied');
    const me = await on(rp, device, '/me');
    expect(me.status).toBe(200);
    const { user } = await me.json();
    expect(user.sub).toBe(USER.sub);
    expect(user.groups).toEqual(['staff']);
  });

  test('a renamed user: /me shows the name of the refreshed ID token', async () => {
    const { hostile } = harness;
    const rp = await harness.start(kind);
    hostile.accessTokenTtl = 0;
    const device = await signInDevice(hostile, rp);
    hostile.userClaims = { name: 'Grace Brewster Murray Hopper' };
    const me = await on(rp, device, '/me');
    expect(me.status).toBe(200);
    expect((await me.json()).user.name).toBe('Grace Brewster Murray Hopper');
  });

  test('a configured scope the provider did not grant: requireScope answers 403 insufficient_scope', async () => {
    const { hostile } = harness;
    const rp = await harness.start(kind, { scopes: ASKED });
    hostile.grantedScope = WITHOUT_REPORTS;
    const device = await signInDevice(hostile, rp);
    expect(hostile.callsTo('authorize')[0]!.url.searchParams.get('scope')).toBe(ASKED);
    expect((await on(rp, device, '/me')).status).toBe(200);
    const reports = await on(rp, device, '/reports');
    expect(reports.status, `${REPORTS_SCOPE} was asked for, never granted`).toBe(403);
    expect(reports.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  test('a scope the provider stops granting at a refresh: requireScope answers 403 after it', async () => {
    const { hostile } = harness;
    const rp = await harness.start(kind, { scopes: ASKED });
    hostile.accessTokenTtl = 0;
    const device = await signInDevice(hostile, rp); // granted as asked
    const granted = await on(rp, device, '/reports');
    expect(granted.status).toBe(200);
    expect((await granted.json()).scopes).toContain(REPORTS_SCOPE);

    hostile.grantedScope = WITHOUT_REPORTS;
    const narrowed = await on(rp, device, '/reports');
    expect(hostile.callsTo('token').at(-1)!.form!.get('grant_type')).toBe('refresh_token');
    expect(narrowed.status, `${REPORTS_SCOPE} no longer granted`).toBe(403);
  });
  test.each(KEEPS_NOTHING)(
    'a user removed from a tenant at the provider fails requireClaims after the next refresh (onSignIn answers %s)',
    async (_, onSignIn) => {
      const { hostile } = harness;
      const rp = await harness.start(kind, { onSignIn });
      hostile.accessTokenTtl = 0; // every request refreshes, so the hook sees the latest claims
      hostile.userClaims = { tenant: 'acme' };
      const device = await signInDevice(hostile, rp);
      const principal = () =>
        rp.backend.gatehouse.authenticate({
          method: 'GET',
          url: '/secure-data',
          headers: { cookie: device.jar.header(`${rp.url}/`)! },
        });
      const before = await principal();
      expect(before.claims.tenant).toBe('acme');
      expect(() => acmeOnly(before)).not.toThrow();

      hostile.userClaims = {}; // removed from the tenant
      const after = await principal();
      expect(hostile.callsTo('token').at(-1)!.form!.get('grant_type')).toBe('refresh_token');
      expect(after.claims.tenant, 'the kept tenant outlived the refresh').toBeUndefined();
      expect(() => acmeOnly(after)).toThrow(
        expect.objectContaining({ status: 403, code: 'ERR_ACCESS_DENIED', error: 'access_denied' }),
      );
    },
  );
});
