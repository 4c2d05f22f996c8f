import fastifyStatic from '@fastify/static';
import { gatehouseMetrics, type Gatehouse, type SessionStore } from '@gatehouse/server';
import { gatehouseFastify } from '@gatehouse/server/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';

/** Options of {@link buildDemoApp}. */
export interface DemoAppOptions {
  gatehouse: Gatehouse;
  /** The built front end (`apps/demo/web/dist`), served from this origin when it exists. */
  webRoot?: string;
  /** Log requests (paths only: never a query string, which can hold a code). */
  logRequests?: boolean;
  /**
   * `TRUST_PROXY`: which proxies' `X-Forwarded-For` to believe for the client address in logs
   * (Fastify's `trustProxy`: `true`, or addresses and CIDR ranges). Off by default. Gatehouse
   * builds every URL from BACKEND_URL, so forwarded host and scheme never reach a redirect.
   */
  trustProxy?: boolean | string;
  /** The session store: `/readyz` pings it, `/metrics` counts its sessions. */
  store?: SessionStore;
  /** `METRICS`: serve Prometheus metrics at `/metrics`. Default true. */
  metrics?: boolean;
}

/** How long `/readyz` waits for discovery or the store before answering 503, in ms. */
const READY_WAIT = 2000;

/**
 * The seed tutorial's backend on Gatehouse: `/secure-data` behind the guard, `/admin-data` for
 * the `admins` group, `/healthz`.
 */
export async function buildDemoApp({
  gatehouse,
  webRoot,
  logRequests = false,
  trustProxy = false,
  store,
  metrics = true,
}: DemoAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logRequests && {
      serializers: {
        req: (req: { method: string; url?: string; ip?: string }) => ({
          method: req.method,
          path: req.url?.split('?')[0],
          ip: req.ip,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    // 16 KiB of headers at most: an oversized Authorization or Cookie header gets 431.
    http: { maxHeaderSize: 16 * 1024 },
    trustProxy,
  });

  await app.register(gatehouseFastify, { gatehouse });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness: discovery loaded and the store answering. Discovery is lazy in the core, so a
  // probe starts it through the login route (its response, a redirect, is dropped).
  app.get('/readyz', async (_request, reply) => {
    const checks: Record<'discovery' | 'store', string> = { discovery: 'ok', store: 'ok' };
    if (!gatehouse.ready) {
      await within(READY_WAIT, gatehouse.routes.login({ method: 'GET', url: '/login', headers: {} })).catch(() => {});
    }
    if (!gatehouse.ready) {
      checks.discovery = `not loaded: ${gatehouse.config.issuer.href} has not answered discovery yet (retrying)`;
    }
    if (store?.ping) {
      await within(READY_WAIT, store.ping()).catch((error: { message?: string }) => {
        checks.store = `not answering: ${error.message ?? error}`;
      });
    } else {
      checks.store = 'not checked (no ping)';
    }
    const ready = checks.discovery === 'ok' && !checks.store.startsWith('not answering');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  if (metrics) {
    const registry = gatehouseMetrics({ store });
    app.addHook('onClose', async () => registry.close());
    app.get('/metrics', async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.render()),
    );
  }

  // A session cookie (the React app) or `Authorization: Bearer` (curl, a CLI) alike.
  app.get('/secure-data', { preHandler: app.requireAuth }, async (request) => ({
    message: 'You are authenticated!',
    user: request.auth!.user.name ?? request.auth!.user.sub,
    via: request.auth!.via,
    at: new Date().toISOString(),
  }));

  app.get('/admin-data', { preHandler: app.requireGroup('admins') }, async (request) => ({
    message: 'You are an admin!',
    user: request.auth!.user.name ?? request.auth!.user.sub,
    groups: request.auth!.groups,
  }));

  if (webRoot && existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false });
    app.setNotFoundHandler((request, reply) =>
      request.method === 'GET' && request.headers.accept?.includes('text/html')
        ? reply.sendFile('index.html')
        : reply
            .code(404)
            .send({
              error: 'not_found',
              error_description: `No route ${request.method} ${request.url.split('?')[0]}`,
            }),
    );
  }
  return app;
}

/** `promise`, or a rejection after `ms` (the promise keeps running). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
