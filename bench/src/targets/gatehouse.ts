// The demo backend (apps/demo/server/app.ts) on one session store, as `npm run serve` builds
// it, minus request logging (both the ceiling and the guarded route would pay for it alike).
import { createGatehouse, MemoryStore } from '@gatehouse/server';
import { buildDemoApp } from '../../../apps/demo/server/app.js';
import { fail, serveUntilStopped, specOf } from '../lib/child.js';
import { benchGatehouseOptions, type GatehouseTargetSpec } from '../lib/gatehouse-options.js';

async function main() {
  const spec = specOf<GatehouseTargetSpec>();
  const gatehouse = createGatehouse(
    benchGatehouseOptions(
      spec,
      spec.sessionStore === 'memory' ? new MemoryStore() : spec.sessionStore,
    ),
  );
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
