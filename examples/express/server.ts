/**
 * The seed tutorial's backend on Express (4.18+ or 5) with Gatehouse.
 *
 *   node --conditions=@gatehouse/source --import tsx examples/express/server.ts
 *
 * reads the same environment variables (and `.env`) as `npm run serve`.
 */
import { createGatehouse, type GatehouseOptions } from '@gatehouse/server';
import {
  gatehouseErrorHandler,
  gatehouseExpress,
  optionalAuth,
  requireAuth,
  requireGroup,
  requireScope,
} from '@gatehouse/server/express';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mainIfRun, running, type Listen, type Running } from '../run.js';

/** Where to listen, and which Express: 5 by default; the tests pass Express 4 too. */
export interface ExpressListen extends Listen {
  express?: typeof express;
}

export async function start(
  options: GatehouseOptions,
  { port = 7156, host = 'localhost', names, express: createApp = express }: ExpressListen = {},
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
  // Signed in or not: req.auth is the caller or null (a CSRF failure is still 403).
  app.all('/hello', optionalAuth(gatehouse), (req, res) => {
    res.json({ user: req.auth?.user.sub ?? null, via: req.auth?.via ?? null });
  });
  // Last: the app's own errors as Gatehouse JSON, never Express's page with a stack trace.
  app.use(gatehouseErrorHandler(gatehouse));

  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, host, () => resolve(listening));
  });
  const { port: actual } = server.address() as AddressInfo;
  return running(server, gatehouse, `http://${host}:${actual}`);
}

await mainIfRun(import.meta.url, 'Express', start);
