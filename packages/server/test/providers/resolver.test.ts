/**
 * `resolveProvider`: providers looked up at sign-in time (a tenants table), each with its own
 * discovery, kept per id; black box with two hostile providers.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import type { ProviderOptions } from '@gatehouse/server';
import { CLIENT, HostileProvider, USER } from '../hostile/provider.js';
import { signIn, startRelyingParty, type RelyingParty } from '../hostile/relying-party.js';

let alpha: HostileProvider;
let tenant: HostileProvider;
let rp: RelyingParty;
let asked: string[];

beforeAll(async () => {
  [alpha, tenant] = await Promise.all([HostileProvider.start(), HostileProvider.start()]);
});
afterAll(() => Promise.all([alpha.close(), tenant.close()]));
beforeEach(async () => {
  alpha.reset();
  tenant.reset();
  asked = [];
  rp = await startRelyingParty(alpha, {
    async resolveProvider(id): Promise<ProviderOptions | undefined> {
      asked.push(id);
      if (id !== 'tenant-7') return undefined;
      return { id, issuer: tenant.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret };
    },
  });
});
afterEach(() => rp.close());

test('a resolved provider signs in at its own issuer, is looked up once, and keeps its session', async () => {
  const first = await signIn(rp, { query: '?provider=tenant-7' });
  expect(first.login.headers.get('location')).toMatch(new RegExp(`^${tenant.issuer}/authorize\\?`));
  expect(first.callback?.status).toBe(302);
  const second = await signIn(rp, { query: '?provider=tenant-7' });
  expect(second.callback?.status).toBe(302);
  expect(asked).toEqual(['tenant-7']);
  expect(tenant.callsTo('token')).toHaveLength(2);
  expect(alpha.callsTo('authorize')).toHaveLength(0);
  const [session] = await rp.store.listBySubject(USER.sub);
  expect(session?.record.provider).toBe('tenant-7');
});

test('an id the resolver does not know is a 400 page, and nothing is kept for it', async () => {
  const response = await fetch(`${rp.url}/login?provider=tenant-8`, { redirect: 'manual' });
  expect(response.status).toBe(400);
  expect(await response.text()).toContain('There is no sign-in provider of that name.');
  await fetch(`${rp.url}/login?provider=tenant-8`, { redirect: 'manual' });
  expect(asked).toEqual(['tenant-8', 'tenant-8']);
});
