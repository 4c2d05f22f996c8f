import { CookieJar } from '@gatehouse/dev-idp/testing';
import { afterEach, expect, test } from 'vitest';
import { startDevIdp } from '@gatehouse/dev-idp';
import { signInThroughBackend, startStack, webClient, type Stack } from './support/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a session idle past SESSION_IDLE_TIMEOUT ends', async () => {
  // Times are whole seconds: sleeps leave a second of margin either way.
  stack = await startStack({ options: { idleTimeout: 2, absoluteTimeout: 60 } });
  await signInThroughBackend(stack);
  expect((await stack.jar.fetch(`${stack.backend.url}/me`)).status).toBe(200);
  await sleep(3100);
  const me = await stack.jar.fetch(`${stack.backend.url}/me`);
  expect(me.status).toBe(401);
  expect((await me.json()).error).toBe('invalid_token');
});

test('activity keeps a session alive until SESSION_ABSOLUTE_TIMEOUT, then it ends', async () => {
  stack = await startStack({ options: { idleTimeout: 3, absoluteTimeout: 5 } });
  await signInThroughBackend(stack);
  for (let i = 0; i < 2; i++) {
    await sleep(1500);
    expect((await stack.jar.fetch(`${stack.backend.url}/me`)).status).toBe(200);
  }
  await sleep(2500);
  expect((await stack.jar.fetch(`${stack.backend.url}/me`)).status).toBe(401);
});

test('an expired access token is refreshed once, however many requests race', async () => {
  stack = await startStack({ idpOptions: { accessTokenTtl: 2 } });
  await signInThroughBackend(stack);
  const before = await (await stack.jar.fetch(`${stack.backend.url}/secure-data`)).json();
  await sleep(2100);
  // A rotated refresh token is redeemable once: two refreshes would end the session.
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => stack!.jar.fetch(`${stack!.backend.url}/secure-data`)),
  );
  expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
  const hashes = new Set(
    await Promise.all(responses.map(async (r) => (await r.json()).accessTokenHash)),
  );
  expect(hashes.size).toBe(1);
  expect(hashes.has(before.accessTokenHash)).toBe(false);
  expect(stack.log.filter((line) => line.includes('access token refreshed'))).toHaveLength(1);
});

test('a refused refresh (revoked grant) ends the session with a 401', async () => {
  stack = await startStack({ idpOptions: { accessTokenTtl: 1 } });
  const jar = new CookieJar();
  await signInThroughBackend({ backend: stack.backend, jar });
  // Restarting the dev IdP with in-memory storage forgets every grant, as a revocation would.
  const port = Number(new URL(stack.idp.url).port);
  await stack.idp.close();
  stack.idp = await startDevIdp({
    port,
    keysFile: false,
    quiet: true,
    fixedDemoCredentials: true,
    accessTokenTtl: 1,
    clients: [webClient(stack.backend.url, stack.frontendUrl)],
  });
  await sleep(1100);
  const response = await jar.fetch(`${stack.backend.url}/secure-data`);
  expect(response.status).toBe(401);
  expect((await jar.fetch(`${stack.backend.url}/me`)).status).toBe(401);
});
