/**
 * Issue 22: the Next.js helpers and CSRF. A route handler gets the caller from `auth(handler)`
 * or `requireAuth(handler)`, both of which see the request as it is, so a cookie caller of an
 * unsafe method passes Gatehouse's CSRF check (X-CSRF, Origin) or gets 403. `auth()` without a
 * handler (server components, server actions: no request, Next checks a server action's
 * Origin) answers `null` to a cookie sent by another site's page. The adapter runs here on a
 * real core and a real session at the hostile provider, without Next: its route handlers take
 * a standard `Request`, and `next/headers` is a stand-in.
 */
import {
  gatehouseNext,
  type GatehouseNext,
  type MaybeAuthedRouteHandler,
} from '@gatehouse/server/next';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { HostileProvider, USER } from '../hostile/provider.js';
import {
  failures,
  FRONTEND_URL,
  signIn,
  startRelyingParty,
  type RelyingParty,
} from '../hostile/relying-party.js';

/** What `next/headers` answers in the request being rendered. */
let rendering = new Headers();
vi.mock('next/headers.js', () => ({ headers: async () => rendering }));

const EVIL = 'https://evil.example';
let hostile: HostileProvider;
let rp: RelyingParty;
let next: GatehouseNext;
let cookie: string;

beforeAll(async () => {
  hostile = await HostileProvider.start();
  rp = await startRelyingParty(hostile);
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

/** A request to the app's route `/api/orders`, as Next hands it to a route handler. */
function toRoute(method: string, headers: Record<string, string>): Request {
  return new Request(`${rp.url}/api/orders`, { method, headers });
}

/** Next's route context: `params` on a dynamic route. */
type RouteContext = { params?: Promise<Record<string, string>> };

/** A route handler that changes state for whoever calls, and records who that was. */
function ordersRoute() {
  const seen: Array<string | null> = [];
  const handler = vi.fn<MaybeAuthedRouteHandler<RouteContext>>(async (_request, { auth }) => {
    seen.push(auth?.user.sub ?? null);
    return Response.json({ ordered: true });
  });
  return { handler, seen };
}

async function expectCsrfRefusal(response: Response, description: string) {
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({ error: 'access_denied', error_description: description });
  expect(failures(rp.log).at(-1)).toMatchObject({ code: 'ERR_CSRF' });
}

const FOREIGN_ORIGIN = 'This request comes from a site that is not allowed to call this API.';
const NO_HEADER = 'This request needs the header X-CSRF: 1.';

describe('auth(handler): a route handler that serves signed-out callers too', () => {
  test('a cross-site POST (foreign Origin, no X-CSRF) with the session cookie gets 403 and the handler never runs', async () => {
    const { handler } = ordersRoute();
    const POST = next.auth(handler);
    const response = await POST(toRoute('POST', { cookie, origin: EVIL }), {});
    await expectCsrfRefusal(response, FOREIGN_ORIGIN);
    expect(handler).not.toHaveBeenCalled();
  });

  test('a POST with the session cookie and no X-CSRF (a form post with no Origin) gets 403', async () => {
    const { handler } = ordersRoute();
    const response = await next.auth(handler)(toRoute('POST', { cookie }), {});
    await expectCsrfRefusal(response, NO_HEADER);
    expect(handler).not.toHaveBeenCalled();
  });

  test.each(['PUT', 'PATCH', 'DELETE'])(
    'a cross-site %s with the session cookie gets 403',
    async (method) => {
      const { handler } = ordersRoute();
      const response = await next.auth(handler)(toRoute(method, { cookie, origin: EVIL }), {});
      await expectCsrfRefusal(response, FOREIGN_ORIGIN);
      expect(handler).not.toHaveBeenCalled();
    },
  );

  test('the front end’s POST (its Origin, X-CSRF: 1) reaches the handler as the signed-in user', async () => {
    const { handler, seen } = ordersRoute();
    const response = await next.auth(handler)(
      toRoute('POST', { cookie, origin: FRONTEND_URL, 'x-csrf': '1' }),
      { params: Promise.resolve({}) },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND_URL);
    expect(seen).toEqual([USER.sub]);
    expect(handler.mock.calls[0]![1]).toHaveProperty('params');
  });

  test('a GET needs no X-CSRF; a signed-out caller reaches the handler with auth null', async () => {
    const { handler, seen } = ordersRoute();
    const GET = next.auth(handler);
    expect((await GET(toRoute('GET', { cookie }), {})).status).toBe(200);
    expect((await GET(toRoute('POST', {}), {})).status).toBe(200);
    expect(seen).toEqual([USER.sub, null]);
  });

  test('anything but a handler is refused at once, not read as no argument', () => {
    const request = toRoute('POST', { cookie });
    expect(() => next.auth(request as never)).toThrow(TypeError);
  });
});

describe('requireAuth(handler)', () => {
  test('a cross-site POST with the session cookie gets 403 and the handler never runs', async () => {
    const handler = vi.fn(async () => Response.json({ ordered: true }));
    const response = await next.requireAuth(handler)(toRoute('POST', { cookie, origin: EVIL }), {
      params: Promise.resolve({}),
    });
    await expectCsrfRefusal(response, FOREIGN_ORIGIN);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('auth(): server components and server actions', () => {
  test('a page render (no Origin) and a server action from the app’s own origin: the signed-in user', async () => {
    rendering = new Headers({ cookie });
    expect((await next.auth())?.user.sub).toBe(USER.sub);
    // A server action is a POST with no X-CSRF; Next checked its Origin against the host.
    rendering = new Headers({ cookie, origin: rp.url, 'next-action': 'abc' });
    expect((await next.auth())?.user.sub).toBe(USER.sub);
  });

  test('a cookie sent by another site’s page (foreign Origin) is nobody: a POST route handler calling auth() acts for no one', async () => {
    rendering = new Headers({ cookie, origin: EVIL });
    expect(await next.auth()).toBeNull();
  });
});
