/**
 * Issue 23: Next.js's router fetches a page before the click (a `<Link>` prefetch) and on it (a
 * client navigation). Next strips their RSC headers and `_rsc` before its proxy runs, which sees
 * a script's fetch by its Fetch Metadata (`Sec-Fetch-Dest: empty`). For a signed-out caller the
 * proxy must not answer those with a redirect to `/login` (a sign-in transaction per prefetch,
 * and the provider's CORS refusal in the console; `/login` also answered Next's `_rsc` with a
 * 400 and a warning): an empty, non-RSC 200 makes Next drop the prefetch and load the page in
 * full, which the proxy then redirects as a page. Here on a real core without Next (its proxy
 * takes a standard `Request`); next.test.ts drives the same in Chromium against `next start`.
 */
import { gatehouseNext, type GatehouseNext } from '@gatehouse/server/next';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HostileProvider } from '../hostile/provider.js';
import {
  failures,
  signIn,
  startRelyingParty,
  type RelyingParty,
} from '../hostile/relying-party.js';

let hostile: HostileProvider;
let rp: RelyingParty;
let proxy: ReturnType<GatehouseNext['proxy']>;

beforeAll(async () => {
  hostile = await HostileProvider.start();
  rp = await startRelyingParty(hostile);
  proxy = gatehouseNext(rp.backend.gatehouse).proxy();
});
afterAll(async () => {
  await rp?.close();
  await hostile?.close();
});

/**
 * Next 16's router fetches as its proxy sees them: Next strips the RSC headers and `_rsc` before
 * the proxy runs (server/web/adapter.js), leaving the browser's Fetch Metadata; and as they
 * leave the browser, for a host that passes them on.
 */
const ROUTER_FETCHES: Record<string, { path: string; headers: Record<string, string> }> = {
  'a <Link> prefetch, as Next’s proxy sees it': {
    path: '/dashboard',
    headers: { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', accept: '*/*' },
  },
  'a client navigation, as it leaves the browser': {
    path: '/dashboard?_rsc=1x2y3',
    headers: { rsc: '1', 'next-router-state-tree': '%5B%22%22%5D', 'sec-fetch-dest': 'empty' },
  },
  'a prefetch from a browser without Fetch Metadata': {
    path: '/dashboard?_rsc=1x2y3',
    headers: { rsc: '1', 'next-router-prefetch': '1' },
  },
};
/** A browser loading the page: the address bar, a link without Next, the router's fallback. */
const NAVIGATION = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

describe('proxy(): the router’s fetches of a guarded page, signed out', () => {
  test.each(Object.entries(ROUTER_FETCHES))(
    '%s gets an empty non-RSC 200 (Next loads the page in full), no redirect to /login and no sign-in started',
    async (_name, { path, headers }) => {
      const logged = rp.log.length;
      const response = await proxy(new Request(`${rp.url}${path}`, { headers }));
      expect(response?.status).toBe(200);
      expect(response!.headers.get('location')).toBeNull();
      expect(response!.headers.get('set-cookie')).toBeNull();
      expect(response!.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(response!.headers.get('cache-control')).toBe('no-store');
      expect(await response!.text()).toBe('');
      expect(rp.log.slice(logged)).toEqual([]);
    },
  );

  test.each([
    ['the full page load that follows', NAVIGATION],
    ['a request without Fetch Metadata (an old browser, curl)', {}],
    ['a fetch without a destination (Node’s fetch)', { 'sec-fetch-mode': 'cors' }],
  ])('%s is redirected to sign-in and back', async (_name, headers) => {
    const response = await proxy(new Request(`${rp.url}/dashboard`, { headers }));
    expect(response?.status).toBe(307);
    const location = new URL(response!.headers.get('location')!);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('returnTo')).toBe('/dashboard');
  });

  test('an API path fetched with RSC headers is still 401 JSON', async () => {
    const response = await proxy(
      new Request(`${rp.url}/api/orders`, {
        headers: ROUTER_FETCHES['a <Link> prefetch, as Next’s proxy sees it']!.headers,
      }),
    );
    expect(response?.status).toBe(401);
    expect(response!.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  test('signed in, the router’s fetches go through to the page', async () => {
    const { callback, jar } = await signIn(rp);
    expect(callback?.status).toBe(302);
    const cookie = jar.header(`${rp.url}/`)!;
    for (const fetched of Object.values(ROUTER_FETCHES)) {
      const headers = { ...fetched.headers, cookie };
      expect(await proxy(new Request(`${rp.url}${fetched.path}`, { headers }))).toBeUndefined();
    }
  });
});

describe('/login and Next’s `_rsc`', () => {
  test('/login?returnTo=/x&_rsc=abc (a router fetch that followed a redirect) signs in: 302 to the provider, not 400, nothing logged', async () => {
    const logged = rp.log.length;
    const response = await fetch(`${rp.url}/login?returnTo=/x&_rsc=abc`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const authorize = new URL(response.headers.get('location')!);
    expect(authorize.origin).toBe(new URL(hostile.issuer).origin);
    expect(authorize.searchParams.has('_rsc')).toBe(false);
    expect(failures(rp.log.slice(logged))).toEqual([]);
  });
});
