import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './stack.js';

/**
 * A real Postgres (Debian's `postgresql` package) in a temporary folder, on a free port, with a
 * password as a user would run it. Postgres refuses to run as root: when the tests run as root,
 * initdb and the server run as the `postgres` OS user.
 */
export interface PostgresServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  password: string;
  /** Stops the server at once, as a crash would (immediate shutdown: recovery on start). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Runs one statement as the superuser. */
  query(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  close(): Promise<void>;
}

const PASSWORD = 'pg-test-password';

/** The newest installed Postgres's major version (Debian's `postgresql`), if any. */
export function installedPostgres(): string | undefined {
  const root = '/usr/lib/postgresql';
  return (existsSync(root) ? readdirSync(root) : [])
    .filter((version) => existsSync(join(root, version, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))[0];
}

/** The newest installed Postgres's bin folder. */
function binDir(): string {
  const version = installedPostgres();
  if (!version)
    throw new Error('Postgres is not installed (the postgresql package: /usr/lib/postgresql)');
  return join('/usr/lib/postgresql', version, 'bin');
}

/** The uid and gid to run Postgres as: the `postgres` user when this process is root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-postgres-'));
  const data = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, PASSWORD);
  if (user) chownSync(passwordFile, user.uid, user.gid);
  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--pwfile',
      passwordFile,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ],
    { stdio: 'ignore', ...user },
  );
  const port = await freePort();
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function start() {
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
      ],
      { stdio: 'ignore', ...user },
    );
    for (let i = 0; i < 200; i++) {
      if (await answers(url)) return;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`postgres did not start on port ${port}`);
  }

  async function stop() {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGQUIT');
    await exited;
  }

  await start();
  return {
    url,
    password: PASSWORD,
    start,
    stop,
    async query(sql, values) {
      const client = new pg.Client(url);
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
    async close() {
      await stop();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
