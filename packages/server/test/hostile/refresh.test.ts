/**
 * A refresh whose ID token names another issuer or another user (OIDC Core 12.2) ends the
 * session: the guard answers 401 and nothing of it is kept.
 */
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import { describe, expect, test } from 'vitest';
import { useHostileFixture } from './fixture.js';
import type { Mode } from './provider.js';
import { failures, signIn } from './relying-party.js';

const fixture = useHostileFixture();

/** Signs in honestly with an access token that has already expired: the next API call refreshes. */
async function signedInWithExpiredAccessToken(): Promise<CookieJar> {
  fixture.hostile.accessTokenTtl = 0;
  const { callback, jar } = await signIn(fixture.rp);
  expect(callback?.status).toBe(302);
  expect(fixture.rp.store.size).toBe(1);
  return jar;
}

describe('refresh', () => {
  test('an honest refresh keeps the session and swaps the access token', async () => {
    const jar = await signedInWithExpiredAccessToken();
    const first = await (await jar.fetch(`${fixture.rp.url}/secure-data`)).json();
    const second = await jar.fetch(`${fixture.rp.url}/secure-data`);
    expect(second.status).toBe(200);
    expect((await second.json()).accessTokenHash).not.toBe(first.accessTokenHash);
    expect(fixture.hostile.callsTo('token').map((call) => call.form!.get('grant_type'))).toEqual([
      'authorization_code',
      'refresh_token',
      'refresh_token',
    ]);
    expect(fixture.rp.store.size).toBe(1);
  });

  test.each<[Mode, string]>([
    ['refresh-id-token-iss-other', 'unexpected JWT "iss" (issuer) claim value'],
    ['refresh-id-token-sub-other', 'refresh: sub changed'],
    ['refresh-id-token-signed-by-foreign-key', 'JWT signature verification failed'],
  ])('%s: the session ends with a 401, nothing kept', async (mode, detail) => {
    const jar = await signedInWithExpiredAccessToken();
    fixture.hostile.mode = mode;
    const response = await jar.fetch(`${fixture.rp.url}/secure-data`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="invalid_token"',
    );
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Your session has ended. Please sign in again.',
    });
    expect(failures(fixture.rp.log).at(-1)?.detail).toContain(detail);
    expect(fixture.rp.store.size).toBe(0);
    fixture.hostile.mode = 'honest';
    expect((await jar.fetch(`${fixture.rp.url}/me`)).status).toBe(401);
    expect(fixture.hostile.callsTo('token')).toHaveLength(2); // no second try with the old refresh token
  });
});
