/**
 * `gatehouse.authorize(request, rules)`: one guard for the app's routes, which every adapter's
 * `requireAuth` runs (authenticate, then each rule in order), instead of a loop of its own per
 * adapter. The conformance suite proves the adapters still answer alike; here the core method
 * itself, and that each adapter hands its rules to it.
 */
import {
  requireClaims,
  requireGroup,
  requireScope,
  type Gatehouse,
  type GatehouseRequest,
  type Principal,
  type Rule,
} from '@gatehouse/server';
import { AccessDeniedError } from '@gatehouse/server/errors';
import { gatehouseExpress, requireAuth as expressRequireAuth } from '@gatehouse/server/express';
import { gatehouseAuth, requireAuth as fastifyRequireAuth } from '@gatehouse/server/fastify';
import { requireAuth as honoRequireAuth } from '@gatehouse/server/hono';
import { gatehouseNext } from '@gatehouse/server/next';
import { requireAuth as nodeRequireAuth } from '@gatehouse/server/node';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { offlineGatehouse } from './support/stack.js';

let gatehouse: Gatehouse;
beforeAll(() => {
  gatehouse = offlineGatehouse();
});
afterAll(() => gatehouse.close());

/** A Bearer caller with the scope `orders:read`, in the group `staff`. */
const ADA: Principal = {
  via: 'bearer',
  clientId: 'cli',
  user: { sub: 'ada', name: 'Ada' },
  expiresAt: 0,
  scopes: ['orders:read'],
  groups: ['staff'],
  claims: { sub: 'ada' },
  accessToken: () => 'token',
};

const anonymous = (method = 'GET'): GatehouseRequest => ({ method, url: '/orders', headers: {} });

describe('gatehouse.authorize', () => {
  test('no credential: 401 ERR_AUTHENTICATION_REQUIRED, and no rule runs', async () => {
    const rule = vi.fn<Rule>();
    await expect(gatehouse.authorize(anonymous(), [rule])).rejects.toMatchObject({
      code: 'ERR_AUTHENTICATION_REQUIRED',
      status: 401,
    });
    expect(rule).not.toHaveBeenCalled();
  });

  test('a caller already known (an earlier guard) is checked, not authenticated again', async () => {
    expect(
      await gatehouse.authorize(anonymous(), [requireScope('orders:read')], { principal: ADA }),
    ).toBe(ADA);
    // `null` (optionalAuth found nobody) authenticates as usual.
    await expect(gatehouse.authorize(anonymous(), [], { principal: null })).rejects.toMatchObject({
      code: 'ERR_AUTHENTICATION_REQUIRED',
      status: 401,
    });
  });

  test('rules run in order and the first refusal answers: a later rule never runs', async () => {
    const later = vi.fn<Rule>();
    await expect(
      gatehouse.authorize(
        anonymous(),
        [requireGroup('staff'), requireScope('orders:write'), later],
        {
          principal: ADA,
        },
      ),
    ).rejects.toMatchObject({ code: 'ERR_INSUFFICIENT_SCOPE', status: 403 });
    expect(later).not.toHaveBeenCalled();
    await expect(
      gatehouse.authorize(anonymous(), [requireClaims(() => false, 'Staff only.')], {
        principal: ADA,
      }),
    ).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED', status: 403, description: 'Staff only.' });
  });

  test('a cookie POST without X-CSRF is refused before any rule (403 ERR_CSRF)', async () => {
    const rule = vi.fn<Rule>();
    const request = { ...anonymous('POST'), headers: { cookie: `gatehouse=${'a'.repeat(43)}` } };
    await expect(gatehouse.authorize(request, [rule])).rejects.toMatchObject({
      code: 'ERR_CSRF',
      status: 403,
    });
    expect(rule).not.toHaveBeenCalled();
  });
});

/**
 * Each adapter's `requireAuth`, on a Gatehouse whose `authorize` lets ADA in for the rule
 * `requireGroup('staff')` and refuses any other: an adapter that ran its own loop over
 * `authenticate` would answer 401 (the requests carry no credential).
 */
describe("every adapter's requireAuth runs gatehouse.authorize: one guard, not five loops", () => {
  const staff = requireGroup('staff');
  const admins = requireGroup('admins');
  let core: Gatehouse;
  beforeAll(() => {
    core = {
      ...gatehouse,
      authenticate: () => Promise.reject(new Error('adapters call authorize, not authenticate')),
      authorize: async (_request, rules = []) => {
        if (rules.length === 1 && rules[0] === staff) return ADA;
        throw new AccessDeniedError('This resource is for members of admins.');
      },
    };
  });

  /** Serves `GET /staff` and `GET /admins` through the host; resolves to [status, body] of each. */
  async function both(
    call: (path: string) => Promise<Response>,
  ): Promise<[number, unknown, number, unknown]> {
    const staffAnswer = await call('/staff');
    const adminAnswer = await call('/admins');
    return [
      staffAnswer.status,
      await staffAnswer.json(),
      adminAnswer.status,
      await adminAnswer.json(),
    ];
  }
  const EXPECTED = [200, { sub: 'ada' }, 403, expect.objectContaining({ error: 'access_denied' })];

  async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  test('express', async () => {
    const app = express();
    app.use(gatehouseExpress(core));
    app.get('/staff', expressRequireAuth(core, staff), (req, res) =>
      res.json({ sub: req.auth!.user.sub }),
    );
    app.get('/admins', expressRequireAuth(core, admins), (req, res) =>
      res.json({ sub: req.auth!.user.sub }),
    );
    const server = await listen(createServer(app));
    try {
      expect(await both((path) => fetch(server.url + path))).toEqual(EXPECTED);
    } finally {
      await server.close();
    }
  });

  test('fastify', async () => {
    const app = Fastify();
    await app.register(gatehouseAuth);
    app.get('/staff', { preHandler: fastifyRequireAuth(core, staff) }, (req) => ({
      sub: req.auth!.user.sub,
    }));
    app.get('/admins', { preHandler: fastifyRequireAuth(core, admins) }, (req) => ({
      sub: req.auth!.user.sub,
    }));
    try {
      const call = async (url: string) => {
        const answer = await app.inject({ method: 'GET', url });
        return new Response(answer.body, { status: answer.statusCode });
      };
      expect(await both(call)).toEqual(EXPECTED);
    } finally {
      await app.close();
    }
  });

  test('hono', async () => {
    const app = new Hono();
    app.get('/staff', honoRequireAuth(core, staff), (c) => c.json({ sub: c.get('auth').user.sub }));
    app.get('/admins', honoRequireAuth(core, admins), (c) =>
      c.json({ sub: c.get('auth').user.sub }),
    );
    expect(await both((path) => Promise.resolve(app.request(path)))).toEqual(EXPECTED);
  });

  test('node:http', async () => {
    const guards: Record<string, ReturnType<typeof nodeRequireAuth>> = {
      '/staff': nodeRequireAuth(core, staff),
      '/admins': nodeRequireAuth(core, admins),
    };
    const server = await listen(
      createServer(async (req, res) => {
        const principal = await guards[req.url!]!(req, res);
        if (principal) res.end(JSON.stringify({ sub: principal.user.sub }));
      }),
    );
    try {
      expect(await both((path) => fetch(server.url + path))).toEqual(EXPECTED);
    } finally {
      await server.close();
    }
  });

  test('next (route handlers and the proxy)', async () => {
    const next = gatehouseNext(core);
    const handler = async (_request: Request, { auth }: { auth: Principal }) =>
      Response.json({ sub: auth.user.sub });
    const routes: Record<string, (request: Request, context: object) => Promise<Response>> = {
      '/staff': next.requireAuth(handler, staff),
      '/admins': next.requireAuth(handler, admins),
    };
    const call = (path: string) => routes[path]!(new Request(`http://localhost${path}`), {});
    expect(await both(call)).toEqual(EXPECTED);
    const request = new Request('http://localhost/api/staff');
    expect(await next.proxy({ rules: [staff] })(request)).toBeUndefined();
    expect((await next.proxy({ rules: [admins] })(request))?.status).toBe(403);
  });
});
