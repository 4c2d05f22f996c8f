// The demo's "orders" API: its own process (port 7158), a resource server the backend calls
// for the signed-in browser through `/api/orders/*` (docs/remote-apis.md). It trusts only
// access tokens for its own audience, `api://orders`, verified with @gatehouse/server (Bearer,
// or DPoP-bound with their proof when the backend runs with DPOP=on, docs/dpop.md).
import { createGatehouse, ConfigError, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import { ordersServer } from './orders-api.js';
import { existsSync } from 'node:fs';

if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
if (existsSync('.env')) process.loadEnvFile('.env');

const port = Number(process.env.ORDERS_PORT || 7158);
let gatehouse;
try {
  gatehouse = createGatehouse(
    {
      ...optionsFromEnv(),
      // Tokens for this API only; no sessions and no remote APIs of its own.
      audience: process.env.ORDERS_AUDIENCE || 'api://orders',
      // Its own URL: DPoP proofs name it (`htu`), not the demo backend's.
      backendUrl: `http://localhost:${port}`,
      sessionStore: 'memory',
      remoteApis: undefined,
    },
    ENV_NAMES,
  );
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

const server = ordersServer(gatehouse);

server.listen(port, process.env.HOST || 'localhost', () => {
  gatehouse.log.info({ port }, `orders API on http://localhost:${port} (audience api://orders)`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    void gatehouse.close().then(() => process.exit(0));
  });
}
