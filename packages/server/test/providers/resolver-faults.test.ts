/**
 * A `resolveProvider` that answers badly is never a 500: a result that is not a valid provider
 * is the application's fault, a 400 page that says so (the reason in the log, not the page);
 * a resolver that throws or hangs is an upstream outage, 503 or 504. Nothing is kept for it.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { GatehouseOptions, ProviderOptions } from '@gatehouse/server';
import { CLIENT, HostileProvider } from '../hostile/provider.js';
import { startRelyingParty, type RelyingParty } from '../hostile/relying-party.js';

let alpha: HostileProvider;
let tenant: HostileProvider;
let rp: RelyingParty | undefined;

beforeAll(async () => {
  [alpha, tenant] = await Promise.all([HostileProvider.start(), HostileProvider.start()]);
});
afterAll(() => Promise.all([alpha.close(), tenant.close()]));
afterEach(() => rp?.close());

async function loginWith(
  answer: (id: string) => unknown,
  options: Partial<GatehouseOptions> = {},
): Promise<{ status: number; page: string }> {
  rp = await startRelyingParty(alpha, {
    resolveProvider: answer as (id: string) => Promise<ProviderOptions | undefined>,
    ...options,
  });
  const response = await fetch(`${rp.url}/login?provider=tenant-7`, { redirect: 'manual' });
  return { status: response.status, page: await response.text() };
}

const good = (id: string) => ({
  id,
  issuer: tenant.issuer,
  clientId: CLIENT.id,
  clientSecret: CLIENT.secret,
});
const NOT_SET_UP = 'This sign-in provider is not set up correctly.';

test.each([
  ['not an object', () => 'https://tenant.example'],
  ['an array', () => [good('tenant-7')]],
  ['a bad id', () => ({ ...good('tenant-7'), id: 'Tenant 7' })],
  ['another id than the one asked for', () => good('tenant-8')],
  ['no issuer', () => ({ ...good('tenant-7'), issuer: undefined })],
  ['an http issuer off loopback', () => ({ ...good('tenant-7'), issuer: 'http://tenant.example' })],
  ['an unknown field', () => ({ ...good('tenant-7'), secret: 'x' })],
  ['a bad clientAuth', () => ({ ...good('tenant-7'), clientAuth: 'magic' })],
  ['private_key_jwt without a key', () => ({ ...good('tenant-7'), clientAuth: 'private_key_jwt' })],
  ['the default provider’s issuer', () => ({ ...good('tenant-7'), issuer: alpha.issuer })],
])('a resolver result with %s is a 400 page that says so, never a 500', async (_, result) => {
  const { status, page } = await loginWith(async () => result());
  expect(status).toBe(400);
  expect(page).toContain(NOT_SET_UP);
  expect(tenant.callsTo('authorize')).toHaveLength(0);
});

test('the log names the field at fault; the page does not', async () => {
  const { page } = await loginWith(async () => ({ ...good('tenant-7'), issuer: 'ftp://x' }));
  expect(page).not.toContain('issuer');
  expect(rp!.log.join('\n')).toContain('resolveProvider(\\"tenant-7\\").issuer');
});

test('a resolver that throws is a 503 page (an upstream outage), its message not shown', async () => {
  const { status, page } = await loginWith(async () => {
    throw new Error('tenants table: connection refused to db.internal');
  });
  expect(status).toBe(503);
  expect(page).toContain('The sign-in directory is not answering.');
  expect(page).not.toContain('db.internal');
});

test('a resolver that throws synchronously is a 503 too', async () => {
  const { status } = await loginWith(() => {
    throw new TypeError('not async');
  });
  expect(status).toBe(503);
});

test('a resolver that never answers is a 504 page within the provider timeout', async () => {
  const started = Date.now();
  const { status, page } = await loginWith(() => new Promise(() => {}), { httpTimeout: 1 });
  expect(status).toBe(504);
  expect(page).toContain('The sign-in directory is not answering.');
  expect(Date.now() - started).toBeLessThan(4000);
});

test('after a bad answer the resolver is asked again, and a good one then signs in', async () => {
  let answers = 0;
  rp = await startRelyingParty(alpha, {
    async resolveProvider(id) {
      answers += 1;
      return answers === 1 ? ({ id } as ProviderOptions) : good(id);
    },
  });
  const first = await fetch(`${rp.url}/login?provider=tenant-7`, { redirect: 'manual' });
  expect(first.status).toBe(400);
  const second = await fetch(`${rp.url}/login?provider=tenant-7`, { redirect: 'manual' });
  expect(second.status).toBe(302);
  expect(second.headers.get('location')).toMatch(new RegExp(`^${tenant.issuer}/authorize\\?`));
});
