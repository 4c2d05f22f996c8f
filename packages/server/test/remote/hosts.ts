/**
 * Backends in the conformance suite's shape (`Start`) for what the examples do not cover: the
 * Next.js route handlers on a real socket, and Express with body parsers mounted before
 * Gatehouse.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createGatehouse, type Gatehouse } from '@gatehouse/server';
import { gatehouseExpress } from '@gatehouse/server/express';
import { gatehouseNext } from '@gatehouse/server/next';
import express from 'express';
import type { Server } from 'node:http';
import { running } from '../../../../examples/run.js';
import type { Start } from '../conformance/suite.js';

/**
 * The handlers of `app/[...gatehouse]/route.ts` (`export const { GET, POST, DELETE, OPTIONS }`)
 * served as Next serves a route handler: each request as a standard `Request` whose body
 * streams from the socket (here through @hono/node-server, without a `next build`).
 */
export const startNextHandlers: Start = async ({ port, options }) => {
  const gatehouse = createGatehouse(options);
  const route = gatehouseNext(gatehouse);
  const handlers: Record<string, (request: Request) => Promise<Response>> = {
    GET: route.GET,
    HEAD: route.GET,
    POST: route.POST,
    DELETE: route.DELETE,
    OPTIONS: route.OPTIONS,
  };
  const server = await new Promise<ServerType>((resolve) => {
    const listening = serve(
      {
        fetch: (request) => (handlers[request.method] ?? route.POST)(request),
        port,
        hostname: 'localhost',
      },
      () => resolve(listening),
    );
  });
  return running(server as Server, gatehouse, `http://localhost:${port}`);
};

/**
 * Express with `express.json()`, `express.urlencoded()`, `express.text()` and `express.raw()`
 * (for `application/octet-stream`) mounted before Gatehouse, as many apps do. Express 5 by
 * default; Express 4 parses forms with `extended: true` (its old default), into nested objects.
 */
export function startExpressWithParsers(createApp: typeof express = express): Start {
  return async ({ port, options }) => {
    const gatehouse = createGatehouse(options);
    const app = createApp();
    app.use(createApp.json());
    app.use(createApp.urlencoded({ extended: createApp !== express }));
    app.use(createApp.text());
    app.use(createApp.raw());
    app.use(gatehouseExpress(gatehouse));
    return listen(app, port, gatehouse);
  };
}

/**
 * Express 5 with Gatehouse (no body parser) also inside a router mounted at `/api`, where
 * `req.url` is cut short and the adapter hands the core a copy of the request.
 */
export const startExpressUnderPath: Start = async ({ port, options }) => {
  const gatehouse = createGatehouse(options);
  const app = express();
  const router = express.Router();
  router.use(gatehouseExpress(gatehouse));
  app.use('/api', router);
  app.use(gatehouseExpress(gatehouse));
  return listen(app, port, gatehouse);
};

async function listen(app: express.Express, port: number, gatehouse: Gatehouse) {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, 'localhost', () => resolve(listening));
  });
  return running(server, gatehouse, `http://localhost:${port}`);
}
