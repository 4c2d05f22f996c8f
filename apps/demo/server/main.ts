import {
  createGatehouse,
  ConfigError,
  defaults,
  ENV_NAMES,
  openStore,
  optionsFromEnv,
  type SessionStore,
} from '@gatehouse/server';
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { fileURLToPath } from 'node:url';
import { buildDemoApp } from './app.js';

// npm runs workspace scripts inside the workspace: resolve `.env` and relative store paths
// against the folder the user ran `npm run serve` in.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
// `.env` as in the seed tutorial; variables already set win.
if (existsSync('.env')) process.loadEnvFile('.env');

const options = optionsFromEnv();
options.logger = pino({ name: 'gatehouse' });

// The store is opened here, not inside createGatehouse, so /readyz can ping it and /metrics
// count its sessions; gatehouse.close() closes it.
let gatehouse;
let store: SessionStore | undefined;
try {
  store = openStore(options.sessionStore ?? defaults.sessionStore, ENV_NAMES.sessionStore, options.logger);
  gatehouse = createGatehouse({ ...options, sessionStore: store }, ENV_NAMES);
} catch (error) {
  await store?.close();
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

const app = await buildDemoApp({
  gatehouse,
  webRoot: fileURLToPath(new URL('../web/dist', import.meta.url)),
  logRequests: true,
  trustProxy: trustProxyFromEnv(process.env.TRUST_PROXY),
  store,
  metrics: !['off', 'false', '0'].includes(process.env.METRICS ?? ''),
});
const port = Number(process.env.PORT || gatehouse.config.backendUrl.port || 7156);
await app.listen({ port, host: process.env.HOST || 'localhost' });

// Graceful shutdown: stop accepting, let in-flight requests finish (closing their connections
// after SHUTDOWN_TIMEOUT seconds), close the store, exit 0. A second signal exits at once.
const shutdownTimeout = Number(process.env.SHUTDOWN_TIMEOUT || 10) * 1000;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    gatehouse.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      gatehouse.log.warn(`requests still running after ${shutdownTimeout / 1000} s: closing their connections`);
      app.server.closeAllConnections();
    }, shutdownTimeout);
    await app.close();
    clearTimeout(force);
    await gatehouse.close();
    process.exit(0);
  });
}

/** `TRUST_PROXY=true`, or comma-separated addresses and CIDR ranges; unset: trust none. */
function trustProxyFromEnv(value: string | undefined): boolean | string {
  if (!value || value === 'false') return false;
  return value === 'true' ? true : value;
}
