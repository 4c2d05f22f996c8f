/**
 * A flood of unfinished sign-ins costs the server nothing it keeps: each sign-in's state,
 * nonce and PKCE verifier live in the browser's encrypted transaction cookie (a JWE holding at
 * most `maxTransactions` entries), not in the session store or in memory. The bounded cookie
 * itself is tested in callback-errors.test.ts.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HostileProvider } from '../hostile/provider.js';
import {
  cookieHeader,
  injectableApp,
  setCookies,
  signInSession,
  type InjectableApp,
} from './app.js';

let hostile: HostileProvider;
let target: InjectableApp;
beforeAll(async () => {
  hostile = await HostileProvider.start();
  target = await injectableApp(hostile);
});
afterAll(async () => {
  await target.close();
  await hostile.close();
});

test('500 unfinished sign-ins keep nothing on the server (state exhaustion by a /login flood)', async () => {
  await signInSession(target.app); // discovery done, one real session for reference
  const sessions = target.store.size;
  const providerCalls = hostile.calls.length;
  let cookie = '';
  for (let i = 0; i < 500; i++) {
    // Half from one browser carrying its cookie, half from fresh browsers.
    const response = await target.app.inject({
      method: 'GET',
      url: `/login?returnTo=/page/${i}`,
      headers: i % 2 && cookie ? { cookie } : {},
    });
    expect(response.statusCode).toBe(302);
    cookie = cookieHeader(response);
  }
  expect(target.store.size).toBe(sessions);
  expect(hostile.calls.length).toBe(providerCalls); // nothing stored at the provider either (no PAR)
  const tx = setCookies(
    await target.app.inject({ method: 'GET', url: '/login', headers: { cookie } }),
  ).find((line) => line.startsWith('gatehouse-tx='))!;
  expect(tx.length).toBeLessThan(4096);
});
