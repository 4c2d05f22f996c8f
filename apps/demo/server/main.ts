import {
  createGatehouse,
  ConfigError,
  defaults,
  ENV_NAMES,
  optionsFromEnv,
} from '@gatehouse/server';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildDemoApp, metricsFromEnv } from './app.js';

// npm runs workspace scripts inside the workspace: resolve `.env` and relative store paths
// against the folder the user ran `npm run serve` in.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
// `.env` as in the seed tutorial; variables already set win.
if (existsSync('.env')) process.loadEnvFile('.env');

const options = optionsFromEnv();
options.sessionStore ??= defaults.sessionStore;

let gatehouse;
let metrics;
try {
  // Off in production unless METRICS=on: /metrics is public unless METRICS_TOKEN is set.
  metrics = metricsFromEnv(process.env.METRICS, process.env.NODE_ENV);
  gatehouse = createGatehouse(options, ENV_NAMES);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

const app = await buildDemoApp({
  gatehouse,
  webRoot: fileURLToPath(new URL('../web/dist', import.meta.url)),
  logRequests: true,
  trustProxy: trustProxyFromEnv(process.env.TRUST_PROXY),
  metrics,
  metricsToken: process.env.METRICS_TOKEN || undefined,
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
      gatehouse.log.warn(
        `requests still running after ${shutdownTimeout / 1000} s: closing their connections`,
      );
      app.server.closeAllConnections();
    }, shutdownTimeout);
    // Keep-alive connections go idle as their last response ends; close them as they do.
    const idle = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(idle);
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
