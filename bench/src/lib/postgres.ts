import {
  installedPostgres,
  startPostgres as startTestPostgres,
} from '../../../packages/server/test/support/postgres.js';

/** A real Postgres on a free loopback port, in a temporary folder (the test suite's). */
export interface PostgresServer {
  url: string;
  version: string;
  close(): Promise<void>;
}

/** The newest installed Postgres's major version, when Debian's `postgresql` is installed. */
export const postgresVersion = installedPostgres;

export async function startPostgres(version: string): Promise<PostgresServer> {
  const server = await startTestPostgres();
  return { url: server.url, version, close: () => server.close() };
}
