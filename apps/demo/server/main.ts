import {
  createGatehouse,
  ConfigError,
  defaults,
  ENV_NAMES,
  optionsFromEnv,
} from '@gatehouse/server';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildDemoApp } from './app.js';

// npm runs workspace scripts inside the workspace: resolve `.env` and relative store paths
// against the folder the user ran `npm run serve` in.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
// `.env` as in the seed tutorial; variables already set win.
if (existsSync('.env')) process.loadEnvFile('.env');

const options = optionsFromEnv();
options.sessionStore ??= defaults.sessionStore;

let gatehouse;
try {
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
});
const port = Number(process.env.PORT || gatehouse.config.backendUrl.port || 7156);
await app.listen({ port, host: process.env.HOST || 'localhost' });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await app.close();
    await gatehouse.close();
    process.exit(0);
  });
}
