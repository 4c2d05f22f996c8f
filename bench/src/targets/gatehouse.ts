// The demo backend (apps/demo/server/app.ts) on one session store, as `npm run serve` builds
// it, minus request logging (both the ceiling and the guarded route would pay for it alike).
import { createGatehouse, MemoryStore, type GatehouseOptions } from '@gatehouse/server';
import { pino } from 'pino';
import { buildDemoApp } from '../../../apps/demo/server/app.js';
import { fail, serveUntilStopped, specOf } from '../lib/child.js';

export interface GatehouseTargetSpec {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `memory`, `sqlite:<path>` or `redis://...`: SESSION_STORE's spellings. */
  sessionStore: string;
  sessionSecret: string;
  logFile: string;
  /** Remote APIs (docs/remote-apis.md), for the proxy phase. */
  remoteApis?: GatehouseOptions['remoteApis'];
}

async function main() {
  const spec = specOf<GatehouseTargetSpec>();
  const gatehouse = createGatehouse({
    issuer: spec.issuer,
    clientId: spec.clientId,
    clientSecret: spec.clientSecret,
    backendUrl: `http://localhost:${spec.port}`,
    frontendUrl: 'http://localhost:5173',
    sessionSecret: spec.sessionSecret,
    sessionStore: spec.sessionStore === 'memory' ? new MemoryStore() : spec.sessionStore,
    logger: pino(pino.destination({ dest: spec.logFile, sync: false })),
    ...(spec.remoteApis && { remoteApis: spec.remoteApis }),
  });
  const app = await buildDemoApp({ gatehouse });
  // Calibration, not Gatehouse: /secure-data's handler (as in apps/demo/server/app.ts) behind a
  // preHandler that sets a constant caller, to tell the cost of any Fastify guard and of the
  // handler's larger answer from the cost of authenticating.
  const caller = { via: 'session', user: { sub: 'ada@example.com', name: 'Ada Lovelace' } };
  app.get(
    '/bench/constant-caller',
    {
      preHandler: async (request) => {
        request.auth = caller as never;
      },
    },
    async (request) => ({
      message: 'You are authenticated!',
      user: request.auth!.user.name ?? request.auth!.user.sub,
      via: request.auth!.via,
      at: new Date().toISOString(),
    }),
  );
  await app.listen({ port: spec.port, host: '127.0.0.1' });
  serveUntilStopped({ pid: process.pid }, async () => {
    await app.close();
    await gatehouse.close();
  });
}

main().catch(fail);
