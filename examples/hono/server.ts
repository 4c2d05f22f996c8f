/**
 * The seed tutorial's backend on Hono 4 (on Node, through @hono/node-server) with Gatehouse.
 *
 *   node --conditions=@gatehouse/source --import tsx examples/hono/server.ts
 *
 * reads the same environment variables (and `.env`) as `npm run serve`.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createGatehouse, type Gatehouse, type GatehouseOptions } from '@gatehouse/server';
import {
  gatehouseHono,
  gatehouseErrorHandler,
  optionalAuth,
  requireAuth,
  requireGroup,
  requireScope,
} from '@gatehouse/server/hono';
import { Hono } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mainIfRun, running, type Listen, type Running } from '../run.js';

/** The app, without a server: `app.fetch` serves it anywhere Hono runs. */
export function buildApp(gatehouse: Gatehouse): Hono {
  // No app-wide Env: requireAuth and optionalAuth each type c.get('auth') on their routes.
  const app = new Hono();
  // Gatehouse's routes, CORS preflights, and CORS for FRONTEND_URL on every response.
  app.use('*', gatehouseHono(gatehouse));
  // The app's own errors as Gatehouse JSON (a generic 500), never the error's message.
  app.onError(gatehouseErrorHandler(gatehouse));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/secure-data', requireAuth(gatehouse), (c) => {
    const auth = c.get('auth');
    return c.json({
      message: 'You are authenticated!',
      user: auth.user.name ?? auth.user.sub,
      via: auth.via,
    });
  });
  // Unsafe methods with a session cookie need `X-CSRF: 1` (403 otherwise): requireAuth checks.
  app.post('/secure-data', requireAuth(gatehouse), (c) => c.json({ changed: true }));
  app.get('/admin-data', requireAuth(gatehouse, requireGroup('admins')), (c) =>
    c.json({ message: 'You are an admin!', groups: c.get('auth').groups }),
  );
  app.get('/reports', requireAuth(gatehouse, requireScope('reports:read')), (c) =>
    c.json({ scopes: c.get('auth').scopes }),
  );
  // Signed in or not: c.get('auth') is the caller or null (a CSRF failure is still 403).
  app.on(['GET', 'POST'], '/hello', optionalAuth(gatehouse), (c) => {
    const auth = c.get('auth');
    return c.json({ user: auth?.user.sub ?? null, via: auth?.via ?? null });
  });
  return app;
}

export async function start(
  options: GatehouseOptions,
  { port = 7156, host = 'localhost', names }: Listen = {},
): Promise<Running> {
  const gatehouse = createGatehouse(options, names);
  const app = buildApp(gatehouse);
  const { server, info } = await new Promise<{ server: ServerType; info: AddressInfo }>(
    (resolve) => {
      const server = serve({ fetch: app.fetch, port, hostname: host }, (info) =>
        resolve({ server, info }),
      );
    },
  );
  return running(server as Server, gatehouse, `http://${host}:${info.port}`);
}

await mainIfRun(import.meta.url, 'Hono', start);
