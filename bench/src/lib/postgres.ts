import { existsSync, readdirSync } from 'node:fs';
import { startPostgres as startTestPostgres } from '../../../packages/server/test/support/postgres.js';

/** A real Postgres on a free loopback port, in a temporary folder (the test suite's). */
export interface PostgresServer {
  url: string;
  version: string;
  close(): Promise<void>;
}

/** The newest installed Postgres's major version, when Debian's `postgresql` is installed. */
export function postgresVersion(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .filter((version) => existsSync(`${root}/${version}/bin/postgres`))
    .sort((a, b) => Number(b) - Number(a))[0];
}

export async function startPostgres(version: string): Promise<PostgresServer> {
  const server = await startTestPostgres();
  return { url: server.url, version, close: () => server.close() };
}
