/**
 * `gatehouse.authenticateOrNull`, the one rule behind every adapter's optional guard
 * (`optionalAuth`, Next's `auth(handler)`): signed out is `null`; everything else `authenticate`
 * refuses is still refused. The conformance suite runs the same through each adapter; here the
 * refusals that need no provider: an outage of the store, CSRF, a token that is not valid.
 */
import { MemoryStore, type Gatehouse, type GatehouseRequest } from '@gatehouse/server';
import { StoreUnavailableError } from '@gatehouse/server/errors';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { offlineGatehouse } from './support/stack.js';

/** A store that is down: every read fails as the real stores fail. */
class DownStore extends MemoryStore {
  override async get(): Promise<never> {
    throw new StoreUnavailableError('The session store is not answering.', 'test: down');
  }
}

let gatehouse: Gatehouse;
beforeAll(() => {
  gatehouse = offlineGatehouse(new DownStore());
});
afterAll(() => gatehouse.close());

/** A cookie of the right form (43 base64url characters), so its session is looked up. */
const COOKIE = `gatehouse=${'a'.repeat(43)}`;

const request = (method: string, headers: Record<string, string>): GatehouseRequest => ({
  method,
  url: '/hello',
  headers,
});

test('no credential is null, not a 401, and never reads the store', async () => {
  expect(await gatehouse.authenticateOrNull(request('GET', {}))).toBeNull();
  expect(await gatehouse.authenticateOrNull(request('POST', {}))).toBeNull();
});

test('a store outage is still a 503, never read as signed out', async () => {
  await expect(
    gatehouse.authenticateOrNull(request('GET', { cookie: COOKIE })),
  ).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
});

test('a cookie POST without X-CSRF is still a 403 (CSRF), never served as signed out', async () => {
  await expect(
    gatehouse.authenticateOrNull(request('POST', { cookie: COOKIE })),
  ).rejects.toMatchObject({ code: 'ERR_CSRF', status: 403 });
});

test('an access token that is not valid is still a 401 invalid_token (RFC 6750 3.1)', async () => {
  await expect(
    gatehouse.authenticateOrNull(request('GET', { authorization: 'Bearer not-a-token' })),
  ).rejects.toMatchObject({ code: 'ERR_ACCESS_TOKEN_INVALID', status: 401 });
});
