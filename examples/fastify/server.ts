/**
 * The seed tutorial's backend on Fastify 5 with Gatehouse (the demo in apps/demo is the full
 * version, with the front end).
 *
 *   node --conditions=@gatehouse/source --import tsx examples/fastify/server.ts
 *
 * reads the same environment variables (and `.env`) as `npm run serve`.
 */
import { createGatehouse, type GatehouseOptions } from '@gatehouse/server';
import {
  gatehouseAuth,
  gatehouseCors,
  gatehouseFastify,
  optionalAuth,
  requireAuth,
  requireGroup,
  requireScope,
  type Rule,
} from '@gatehouse/server/fastify';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { mainIfRun, type Listen, type Running } from '../run.js';

export async function start(
  options: GatehouseOptions,
  { port = 7156, host = 'localhost', names }: Listen = {},
): Promise<Running> {
  const gatehouse = createGatehouse(options, names);
  const app = Fastify();
  await app.register(gatehouseAuth); // request.auth on every route
  await app.register(gatehouseFastify, { gatehouse }); // Gatehouse's routes, in their own context
  app.addHook('onRequest', gatehouseCors(gatehouse)); // CORS for FRONTEND_URL on the app's routes
  const guard = (...rules: Rule[]) => ({ preHandler: requireAuth(gatehouse, ...rules) });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/secure-data', guard(), async (request) => ({
    message: 'You are authenticated!',
    user: request.auth!.user.name ?? request.auth!.user.sub,
    via: request.auth!.via,
  }));
  // Unsafe methods with a session cookie need `X-CSRF: 1` (403 otherwise): requireAuth checks.
  app.post('/secure-data', guard(), async () => ({ changed: true }));
  app.get('/admin-data', guard(requireGroup('admins')), async (request) => ({
    message: 'You are an admin!',
    groups: request.auth!.groups,
  }));
  app.get('/reports', guard(requireScope('reports:read')), async (request) => ({
    scopes: request.auth!.scopes,
  }));

  // Signed in or not: request.auth is the caller or null (a CSRF failure is still 403).
  app.route({
    method: ['GET', 'POST'],
    url: '/hello',
    preHandler: optionalAuth(gatehouse),
    handler: async (request) => ({
      user: request.auth?.user.sub ?? null,
      via: request.auth?.via ?? null,
    }),
  });

  await app.listen({ port, host });
  const { port: actual } = app.server.address() as AddressInfo;
  return {
    url: `http://${host}:${actual}`,
    gatehouse,
    async close() {
      await app.close();
      await gatehouse.close();
    },
  };
}

await mainIfRun(import.meta.url, 'Fastify', start);
