/**
 * The seed tutorial's backend on Hono 4 (on Node, through @hono/node-server) with Gatehouse.
 *
 *   node --conditions=@gatehouse/source --import tsx examples/hono/server.ts
 *
 * reads the same environment variables (and `.env`) as `npm run serve`.
 */
import { serve, type ServerType } from '@hono/node-server';
import {
  ConfigError,
  createGatehouse,
  defaults,
  ENV_NAMES,
  optionsFromEnv,
  type Gatehouse,
  type GatehouseOptions,
  type OptionNames,
} from '@gatehouse/server';
import {
  gatehouseHono,
  gatehouseOnError,
  requireAuth,
  requireGroup,
  requireScope,
  type GatehouseEnv,
} from '@gatehouse/server/hono';
import { Hono } from 'hono';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/** Where to listen, and the names of the variables the options came from (for errors). */
export interface Listen {
  port?: number;
  host?: string;
  names?: OptionNames;
}

/** A running example: its URL, its Gatehouse, and how to stop both. */
export interface Running {
  url: string;
  gatehouse: Gatehouse;
  close(): Promise<void>;
}

/** The app, without a server: `app.fetch` serves it anywhere Hono runs. */
export function buildApp(gatehouse: Gatehouse): Hono<GatehouseEnv> {
  const app = new Hono<GatehouseEnv>();
  // Gatehouse's routes, CORS preflights, and CORS for FRONTEND_URL on every response.
  app.use('*', gatehouseHono(gatehouse));
  // The app's own errors as Gatehouse JSON (a generic 500), never the error's message.
  app.onError(gatehouseOnError(gatehouse));

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
  return {
    url: `http://${host}:${info.port}`,
    gatehouse,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as Server).closeAllConnections();
      });
      await gatehouse.close();
    },
  };
}

/** `npx tsx examples/hono/server.ts`: the environment of `npm run serve`. */
export async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const options = optionsFromEnv();
  options.sessionStore ??= defaults.sessionStore;
  const backendPort = URL.canParse(options.backendUrl) ? new URL(options.backendUrl).port : '';
  const port = Number(process.env.PORT || backendPort || 7156);
  let running: Running;
  try {
    running = await start(options, { port, host: process.env.HOST, names: ENV_NAMES });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  console.log(`Gatehouse on Hono at ${running.url}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
