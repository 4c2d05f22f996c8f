/**
 * A refresh whose ID token names another issuer or another user (OIDC Core 12.2) ends the
 * session: the guard answers 401 and nothing of it is kept.
 */
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { HostileProvider, type Mode } from './provider.js';
import { failures, signIn, startRelyingParty, type RelyingParty } from './relying-party.js';

let hostile: HostileProvider;
let rp: RelyingParty;
beforeAll(async () => {
  hostile = await HostileProvider.start();
});
afterAll(() => hostile.close());
beforeEach(async () => {
  hostile.reset();
  rp = await startRelyingParty(hostile);
});
afterEach(() => rp.close());

/** Signs in honestly with an access token that has already expired: the next API call refreshes. */
async function signedInWithExpiredAccessToken(): Promise<CookieJar> {
  hostile.accessTokenTtl = 0;
  const { callback, jar } = await signIn(rp);
  expect(callback?.status).toBe(302);
  expect(rp.store.size).toBe(1);
  return jar;
}

describe('refresh', () => {
  test('an honest refresh keeps the session and swaps the access token', async () => {
    const jar = await signedInWithExpiredAccessToken();
    const first = await (await jar.fetch(`${rp.url}/secure-data`)).json();
    const second = await jar.fetch(`${rp.url}/secure-data`);
    expect(second.status).toBe(200);
    expect((await second.json()).accessTokenHash).not.toBe(first.accessTokenHash);
    expect(hostile.callsTo('token').map((call) => call.form!.get('grant_type'))).toEqual([
      'authorization_code',
      'refresh_token',
      'refresh_token',
    ]);
    expect(rp.store.size).toBe(1);
  });

  test.each<[Mode, string]>([
    ['refresh-id-token-iss-other', 'unexpected JWT "iss" (issuer) claim value'],
    ['refresh-id-token-sub-other', 'refresh: sub changed'],
    ['refresh-id-token-signed-by-foreign-key', 'JWT signature verification failed'],
  ])('%s: the session ends with a 401, nothing kept', async (mode, detail) => {
    const jar = await signedInWithExpiredAccessToken();
    hostile.mode = mode;
    const response = await jar.fetch(`${rp.url}/secure-data`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="invalid_token"',
    );
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Your session has ended. Please sign in again.',
    });
    expect(failures(rp.log).at(-1)?.detail).toContain(detail);
    expect(rp.store.size).toBe(0);
    hostile.mode = 'honest';
    expect((await jar.fetch(`${rp.url}/me`)).status).toBe(401);
    expect(hostile.callsTo('token')).toHaveLength(2); // no second try with the old refresh token
  });
});
