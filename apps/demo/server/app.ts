import fastifyStatic from '@fastify/static';
import { ConfigError, gatehouseMetrics, type Gatehouse } from '@gatehouse/server';
import {
  gatehouseAuth,
  gatehouseCors,
  gatehouseFastify,
  requireAuth,
  requireAuthLevel,
  requireGroup,
} from '@gatehouse/server/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
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
  /**
   * `METRICS`: serve Prometheus metrics at `/metrics`. Default true here; `npm run serve` turns
   * it off in production unless `METRICS=on` (see {@link metricsFromEnv}).
   */
  metrics?: boolean;
  /** `METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken?: string;
}

/**
 * `METRICS`: `on` or `off` (also `true`/`false`, `1`/`0`); unset, on in development and off
 * with `NODE_ENV=production`, where `/metrics` would otherwise be public.
 */
export function metricsFromEnv(value: string | undefined, nodeEnv: string | undefined): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (['on', 'true', '1'].includes(text)) return true;
  if (['off', 'false', '0'].includes(text)) return false;
  if (text === '') return nodeEnv !== 'production';
  throw new ConfigError(`METRICS must be on or off, got ${value}`);
}

/** Whether `authorization` is `Bearer <token>`, compared in constant time. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const digest = (text: string) => createHash('sha256').update(text).digest();
  // Hashes have one length: the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(token)) && match !== null;
}

/**
 * The seed tutorial's backend on Gatehouse: `/secure-data` behind the guard, `/admin-data` for
 * the `admins` group, `/healthz`.
 */
export async function buildDemoApp({
  gatehouse,
  webRoot,
  logRequests = false,
  trustProxy = false,
  metrics = true,
  metricsToken,
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

  // `request.auth` on every route; Gatehouse's routes in their own context; CORS for
  // FRONTEND_URL (the Vite front end on :5173 calls /secure-data cross-origin) on the app's too.
  await app.register(gatehouseAuth);
  await app.register(gatehouseFastify, { gatehouse });
  app.addHook('onRequest', gatehouseCors(gatehouse));

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness for a load balancer: discovery loaded and the store answering; with several
  // providers each one's discovery, ready while one has loaded (docs/tenants.md).
  app.get('/readyz', async (_request, reply) => {
    const { ready, discovery, store, providers } = await gatehouse.readiness();
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', checks: { discovery, store, providers } });
  });

  if (metrics) {
    // The active sessions gauge counts the store at most once every 15 s, however often scraped.
    const registry = gatehouseMetrics({ store: gatehouse.store });
    app.addHook('onClose', async () => registry.close());
    app.get('/metrics', async (request, reply) => {
      if (metricsToken && !bearerMatches(request.headers.authorization, metricsToken)) {
        return reply
          .code(401)
          .headers({ 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' })
          .send({
            error: 'unauthorized',
            error_description: 'The metrics need METRICS_TOKEN as a Bearer token.',
          });
      }
      return reply
        .type(registry.contentType)
        .header('cache-control', 'no-store')
        .send(await registry.render());
    });
  }

  // A session cookie (the React app) or `Authorization: Bearer` (curl, a CLI) alike.
  app.get('/secure-data', { preHandler: requireAuth(gatehouse) }, async (request) => ({
    message: 'You are authenticated!',
    user: request.auth!.user.name ?? request.auth!.user.sub,
    via: request.auth!.via,
    at: new Date().toISOString(),
  }));

  const admins = requireAuth(gatehouse, requireGroup('admins'));
  app.get('/admin-data', { preHandler: admins }, async (request) => ({
    message: 'You are an admin!',
    user: request.auth!.user.name ?? request.auth!.user.sub,
    groups: request.auth!.groups,
  }));

  // A sensitive action: admins, signed in with a second factor in the last 5 minutes (the dev
  // IdP asks the admins for a one-time code). Anyone else weaker gets the RFC 9470 challenge,
  // which the React SDK answers by a step-up sign-in.
  const stepUp = requireAuthLevel({ acr: 'urn:okta:loa:2fa:any', maxAge: 300 });
  app.post(
    '/admin-action',
    { preHandler: requireAuth(gatehouse, requireGroup('admins'), stepUp) },
    async (request) => ({
      message: 'Admin action done.',
      acr: request.auth!.acr,
      at: new Date().toISOString(),
    }),
  );

  if (webRoot && existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false });
    app.setNotFoundHandler((request, reply) =>
      request.method === 'GET' && request.headers.accept?.includes('text/html')
        ? reply.sendFile('index.html')
        : reply.code(404).send({
            error: 'not_found',
            error_description: `No route ${request.method} ${request.url.split('?')[0]}`,
          }),
    );
  }
  return app;
}
