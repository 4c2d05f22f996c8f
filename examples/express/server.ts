/**
 * The seed tutorial's backend on Express (4.18+ or 5) with Gatehouse.
 *
 *   node --conditions=@gatehouse/source --import tsx examples/express/server.ts
 *
 * reads the same environment variables (and `.env`) as `npm run serve`.
 */
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
  gatehouseErrorHandler,
  gatehouseExpress,
  requireAuth,
  requireGroup,
  requireScope,
} from '@gatehouse/server/express';
import express from 'express';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/** Where to listen, the names of the variables the options came from, which Express. */
export interface Listen {
  port?: number;
  host?: string;
  names?: OptionNames;
  /** The `express` function: Express 5 by default; the tests pass Express 4 too. */
  express?: typeof express;
}

/** A running example: its URL, its Gatehouse, and how to stop both. */
export interface Running {
  url: string;
  gatehouse: Gatehouse;
  close(): Promise<void>;
}

export async function start(
  options: GatehouseOptions,
  { port = 7156, host = 'localhost', names, express: createApp = express }: Listen = {},
): Promise<Running> {
  const gatehouse = createGatehouse(options, names);
  const app = createApp();
  // Gatehouse's routes, and CORS for FRONTEND_URL on every response (preflights included).
  app.use(gatehouseExpress(gatehouse));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/secure-data', requireAuth(gatehouse), (req, res) => {
    res.json({
      message: 'You are authenticated!',
      user: req.auth!.user.name ?? req.auth!.user.sub,
      via: req.auth!.via,
    });
  });
  // Unsafe methods with a session cookie need `X-CSRF: 1` (403 otherwise): requireAuth checks.
  app.post('/secure-data', requireAuth(gatehouse), (_req, res) => {
    res.json({ changed: true });
  });
  app.get('/admin-data', requireAuth(gatehouse, requireGroup('admins')), (req, res) => {
    res.json({ message: 'You are an admin!', groups: req.auth!.groups });
  });
  app.get('/reports', requireAuth(gatehouse, requireScope('reports:read')), (req, res) => {
    res.json({ scopes: req.auth!.scopes });
  });
  // Last: the app's own errors as Gatehouse JSON, never Express's page with a stack trace.
  app.use(gatehouseErrorHandler(gatehouse));

  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, host, () => resolve(listening));
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${actual}`,
    gatehouse,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await gatehouse.close();
    },
  };
}

/** `npx tsx examples/express/server.ts`: the environment of `npm run serve`. */
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
  console.log(`Gatehouse on Express at ${running.url}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
