/**
 * `auth()` without a handler (server components, server actions) answers `null` to a cookie
 * sent by another site's page; with `FRONTEND_URL=<first>,<second>`, the second front end's
 * Origin is ours too, and its look-alikes are not.
 */
import { gatehouseNext, type GatehouseNext } from '@gatehouse/server/next';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { HostileProvider, USER } from '../hostile/provider.js';
import {
  FRONTEND_URL,
  signIn,
  startRelyingParty,
  type RelyingParty,
} from '../hostile/relying-party.js';

/** What `next/headers` answers in the request being rendered. */
let rendering = new Headers();
vi.mock('next/headers.js', () => ({ headers: async () => rendering }));

const ADMIN = 'https://admin.example.com';
let hostile: HostileProvider;
let rp: RelyingParty;
let next: GatehouseNext;
let cookie: string;

beforeAll(async () => {
  hostile = await HostileProvider.start();
  rp = await startRelyingParty(hostile, { frontendUrl: `${FRONTEND_URL},${ADMIN}` });
  const { callback, jar } = await signIn(rp);
  expect(callback?.status).toBe(302);
  cookie = jar.header(`${rp.url}/`)!;
  next = gatehouseNext(rp.backend.gatehouse);
});
afterAll(async () => {
  await rp?.close();
  await hostile?.close();
});
afterEach(() => {
  rendering = new Headers();
});

test('auth() from the second front end’s Origin is the signed-in user', async () => {
  rendering = new Headers({ cookie, origin: ADMIN });
  expect((await next.auth())?.user.sub).toBe(USER.sub);
});

test.each(['https://admin.example.com.evil.example', 'http://admin.example.com'])(
  'auth() from a look-alike of the second front end (%s) is nobody (cross-site cookie)',
  async (origin) => {
    rendering = new Headers({ cookie, origin });
    expect(await next.auth()).toBeNull();
  },
);
