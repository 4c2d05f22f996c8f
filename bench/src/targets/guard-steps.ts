// The demo backend (as targets/gatehouse.ts builds it) with one session put straight into its
// store, and routes that stop the cookie guard after each of its steps: what each step costs
// over HTTP, where code and data are no longer hot in the CPU's caches as in a loop.
import { createGatehouse, MemoryStore, type SessionStore } from '@gatehouse/server';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import type { FastifyRequest } from 'fastify';
import { buildDemoApp } from '../../../apps/demo/server/app.js';
import { readCookie } from '../../../packages/server/src/session/cookie.js';
import { sessionKeyOf } from '../../../packages/server/src/session/crypto.js';
import { fail, serveUntilStopped, specOf } from '../lib/child.js';
import type { GuardStepsSpec } from '../lib/guard-steps.js';
import { offlineOptions, offlineSession } from '../lib/offline-session.js';

async function main() {
  const spec = specOf<GuardStepsSpec>();
  const options = offlineOptions(`http://localhost:${spec.port}`);
  const store: SessionStore =
    spec.sessionStore === 'memory'
      ? new MemoryStore()
      : new SqliteStore(spec.sessionStore.slice('sqlite:'.length));
  const { id, key, record } = await offlineSession(options);
  await store.create(key, record);
  const gatehouse = createGatehouse({ ...options, sessionStore: store } as never);
  const app = await buildDemoApp({ gatehouse });

  const caller = { via: 'session', user: { sub: '00u1ada', name: 'Ada Lovelace' } } as never;
  const handler = async (request: FastifyRequest) => ({
    message: 'You are authenticated!',
    user: request.auth!.user.name ?? request.auth!.user.sub,
    via: request.auth!.via,
    at: new Date().toISOString(),
  });
  app.get('/bench/steps/handler', async (request) => {
    request.auth = caller;
    return handler(request);
  });
  const keptKeys = new Map([[id, key]]);
  const cookie = (request: FastifyRequest) => readCookie(request.headers.cookie, 'gatehouse')!;
  const steps: Record<string, (request: FastifyRequest) => Promise<unknown> | unknown> = {
    constant: () => undefined,
    cookie,
    hash: (request) => sessionKeyOf(cookie(request)),
    store: (request) => store.get(keptKeys.get(cookie(request))!),
  };
  for (const [name, step] of Object.entries(steps)) {
    const preHandler = async (request: FastifyRequest) => {
      if ((await step(request)) === null) throw new Error('never');
      request.auth = caller;
    };
    app.get(`/bench/steps/${name}`, { preHandler }, handler);
  }
  await app.listen({ port: spec.port, host: '127.0.0.1' });
  serveUntilStopped({ pid: process.pid, cookie: `gatehouse=${id}` }, async () => {
    await app.close();
    await gatehouse.close();
  });
}

main().catch(fail);
