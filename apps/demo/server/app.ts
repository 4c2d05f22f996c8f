import fastifyStatic from '@fastify/static';
import type { Gatehouse } from '@gatehouse/server';
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
}

/** The seed tutorial's backend on Gatehouse: `/secure-data` behind the guard, `/healthz`. */
export async function buildDemoApp({ gatehouse, webRoot, logRequests = false }: DemoAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logRequests && {
      serializers: {
        req: (req: { method: string; url?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    // 16 KiB of headers at most: an oversized Authorization or Cookie header gets 431.
    http: { maxHeaderSize: 16 * 1024 },
  });

  await app.register(gatehouseFastify, { gatehouse });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/secure-data', { preHandler: app.requireAuth }, async (request) => ({
    message: 'You are authenticated!',
    user: request.auth!.user.name ?? request.auth!.user.sub,
    at: new Date().toISOString(),
  }));

  if (webRoot && existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false });
    app.setNotFoundHandler((request, reply) =>
      request.method === 'GET' && request.headers.accept?.includes('text/html')
        ? reply.sendFile('index.html')
        : reply.code(404).send({ error: 'not_found', error_description: `No route ${request.method} ${request.url.split('?')[0]}` }),
    );
  }
  return app;
}
