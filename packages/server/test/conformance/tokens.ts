import { channels } from '@gatehouse/server';
import { expect, test } from 'vitest';
import { bearer, cliToken, userTokens } from '../bearer/support.js';
import { ALGS, boundToken, dpop, dpopKey, proof } from '../dpop/support.js';
import { expectError } from './expect.js';
import type { World } from './suite.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bearer callers, the rules on their scopes, and the refresh of a session's access token. */
export function tokenCases(world: World): void {
  const url = (path: string) => `${world.backend.url}${path}`;
  const call = (path: string, headers: Record<string, string>, method = 'GET') =>
    fetch(url(path), { method, headers, redirect: 'manual' });

  test('Bearer: a client-credentials token from the provider is let in', async () => {
    const response = await call('/secure-data', bearer(await cliToken(world.idp.issuer)));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ via: 'bearer' });
  });

  test('Bearer: a user’s access token from the provider is let in, and /me answers', async () => {
    const { access_token } = await userTokens(world.idp.issuer);
    const response = await call('/secure-data', bearer(access_token));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ via: 'bearer' });
    const me = await call('/me', bearer(access_token));
    expect(me.status).toBe(200);
    expect((await me.json()).user).toMatchObject({ sub: 'ada@example.com' });
  });

  test('Bearer: no CSRF header needed (no cookie, no ambient authority)', async () => {
    const response = await call('/secure-data', bearer(await cliToken(world.idp.issuer)), 'POST');
    expect(response.status).toBe(200);
  });

  test('DPoP: a bound token with a fresh proof is let in; the same proof again gets 401 and the DPoP challenge', async () => {
    const key = await dpopKey();
    const token = await boundToken(world.idp.issuer, key);
    const headers = dpop(token, await proof({ key, token, url: url('/secure-data') }));
    const response = await call('/secure-data', headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ via: 'bearer' });
    const replayed = await call('/secure-data', headers);
    expect(replayed.headers.get('www-authenticate')).toBe(
      `DPoP error="invalid_dpop_proof", ${ALGS}, Bearer realm="gatehouse"`,
    );
    await expectError(replayed, 401, 'invalid_dpop_proof', 'The DPoP proof is invalid.');
  });

  test('Bearer: garbage is 401 invalid_token with the RFC 6750 challenge', async () => {
    for (const token of ['garbage', 'a.b.c', `${'e'.repeat(40)}.${'e'.repeat(40)}.x`]) {
      const response = await call('/secure-data', bearer(token));
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="gatehouse", error="invalid_token"',
      );
      await expectError(response, 401, 'invalid_token', 'The access token is invalid.');
    }
  });

  test('rule requireScope on a token without reports:read: 403 insufficient_scope', async () => {
    const response = await call('/reports', bearer(await cliToken(world.idp.issuer)));
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="insufficient_scope", scope="reports:read"',
    );
    await expectError(
      response,
      403,
      'insufficient_scope',
      'This resource needs the scope reports:read.',
    );
  });

  test('rule requireGroup on a client token (no groups): 403 access_denied', async () => {
    const response = await call('/admin-data', bearer(await cliToken(world.idp.issuer)));
    await expectError(response, 403, 'access_denied', 'This resource is for members of admins.');
  });

  test('refresh: an expired access token is renewed once, the caller never notices', async () => {
    const jar = await world.signedIn();
    expect((await jar.fetch(url('/secure-data'))).status).toBe(200);
    let refreshes = 0;
    const count = (message: unknown) => void ((message as { ok: boolean }).ok && refreshes++);
    channels.refresh.subscribe(count);
    try {
      await sleep(2100); // the dev IdP's access tokens live 2 s here
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => jar.fetch(url('/secure-data'))),
      );
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
      expect(refreshes).toBe(1);
      expect((await jar.fetch(url('/me'))).status).toBe(200);
    } finally {
      channels.refresh.unsubscribe(count);
    }
  });
}
