/**
 * What every example shares: where to listen, a running server's handle, and `main`, which
 * starts an example from the environment of `npm run serve` (and `.env`).
 */
import {
  ConfigError,
  defaults,
  ENV_NAMES,
  optionsFromEnv,
  type Gatehouse,
  type GatehouseOptions,
  type OptionNames,
} from '@gatehouse/server';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';

/** Where to listen, and the names of the variables the options came from (for errors). */
export interface Listen {
  port?: number;
  host?: string;
  names?: OptionNames;
}

/** A running example: its URL, its Gatehouse, and how to stop both. */
export interface Running {
  url: string;
  gatehouse: Gatehouse;
  close(): Promise<void>;
}

export type Start = (options: GatehouseOptions, listen?: Listen) => Promise<Running>;

/** The handle of a listening server: stopping it closes its connections, then Gatehouse. */
export function running(server: Server, gatehouse: Gatehouse, url: string): Running {
  return {
    url,
    gatehouse,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await gatehouse.close();
    },
  };
}

/** Runs `start` when `moduleUrl` is the script node was started with. */
export async function mainIfRun(moduleUrl: string, host: string, start: Start): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  if (existsSync('.env')) process.loadEnvFile('.env');
  const options = optionsFromEnv();
  options.sessionStore ??= defaults.sessionStore;
  const backendPort = URL.canParse(options.backendUrl) ? new URL(options.backendUrl).port : '';
  const port = Number(process.env.PORT || backendPort || 7156);
  let server: Running;
  try {
    server = await start(options, { port, host: process.env.HOST, names: ENV_NAMES });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  console.log(`Gatehouse on ${host} at ${server.url}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
}
