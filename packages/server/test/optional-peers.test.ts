// The drivers (better-sqlite3, ioredis) and pino are optional peers (issue 12): an app on the
// memory store loads none of them, a missing driver is a startup error that names the package,
// a store that cannot open is a 503, and without pino the log lines are pino's all the same.
import { createGatehouse, ENV_NAMES, MemoryStore } from '@gatehouse/server';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { consoleLogger, type GatehouseLogger } from '../src/logger.js';
import { silent } from './bearer/support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-peers-'));

const options = {
  issuer: 'http://127.0.0.1:9/',
  clientId: 'peers',
  clientSecret: 'peers-secret',
  backendUrl: 'http://localhost:4996',
  frontendUrl: 'http://localhost:5999',
  sessionSecret: 'optional-peers-secret-'.repeat(2),
};

// Preloaded in a child process: these packages are not installed, for ESM imports and require.
const HIDE = join(dir, 'hide.mjs');
writeFileSync(
  HIDE,
  `import Module, { register } from 'node:module';
const hidden = (process.env.HIDDEN ?? '').split(',');
register('data:text/javascript,' + encodeURIComponent(\`
  const hidden = \${JSON.stringify(hidden)};
  export async function resolve(specifier, context, next) {
    if (hidden.includes(specifier)) {
      throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    return next(specifier, context);
  }\`));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (hidden.includes(request)) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolveFilename.call(this, request, ...rest);
};
`,
);

function withHidden(script: string, hidden: string[]) {
  const args = ['--conditions=@gatehouse/source', '--import', HIDE, '--import', 'tsx'];
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [...args, '--input-type=module', '-e', script],
      { cwd: ROOT, env: { ...process.env, HIDDEN: hidden.join(',') }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) || 1 : 0, stdout, stderr }),
    );
  });
}

test('without better-sqlite3, ioredis, pg and pino: memory works, logs pino lines, and SESSION_STORE names the driver to install', async () => {
  const script = `
    const { createGatehouse, ENV_NAMES, ConfigError } = await import('@gatehouse/server');
    const options = ${JSON.stringify(options)};
    const gatehouse = createGatehouse({ ...options, sessionStore: 'memory' }, ENV_NAMES);
    await gatehouse.store.ping();
    gatehouse.log.info({ store: 'memory' }, 'hello');
    await gatehouse.close();
    for (const sessionStore of ['sqlite:${join(dir, 'x.db')}', 'redis://localhost:6390', 'postgres://localhost:6391/app']) {
      try {
        createGatehouse({ ...options, sessionStore }, ENV_NAMES);
        console.error('opened ' + sessionStore);
      } catch (error) {
        console.error((error instanceof ConfigError ? 'ConfigError: ' : '') + error.message);
      }
    }`;
  const { code, stdout, stderr } = await withHidden(script, [
    'better-sqlite3',
    'ioredis',
    'pg',
    'pino',
  ]);
  expect(code, stderr).toBe(0);
  const lines = stdout
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text) as { msg?: string });
  const line = lines.find((entry) => entry.msg === 'hello');
  expect(line).toMatchObject({ level: 30, name: 'gatehouse', component: 'gatehouse' });
  expect(line).toMatchObject({ store: 'memory', msg: 'hello', pid: expect.any(Number) });
  expect(stderr.trim().split('\n')).toEqual([
    'ConfigError: SESSION_STORE=sqlite:... needs better-sqlite3: npm install better-sqlite3',
    'ConfigError: SESSION_STORE=redis://... needs ioredis: npm install ioredis',
    'ConfigError: SESSION_STORE=postgres://... needs pg: npm install pg',
  ]);
}, 60_000);

test('a SQLite store that cannot be opened is a 503 at request time, and not ready', async () => {
  const gatehouse = createGatehouse(
    { ...options, sessionStore: 'sqlite:/dev/null/sessions.db', logger: silent },
    ENV_NAMES,
  );
  try {
    await expect(gatehouse.store.get('key')).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      status: 503,
    });
    const readiness = await gatehouse.readiness(100);
    expect(readiness.ready).toBe(false);
    expect(readiness.store).not.toBe('ok');
  } finally {
    await gatehouse.close();
  }
});

test('SESSION_STORE=sqlite:<path> loads the driver on first use and serves sessions', async () => {
  const gatehouse = createGatehouse(
    { ...options, sessionStore: `sqlite:${join(dir, 'lazy.db')}`, logger: silent },
    ENV_NAMES,
  );
  try {
    expect(gatehouse.store).not.toBeInstanceOf(MemoryStore);
    await gatehouse.store.ping?.();
    expect(await gatehouse.store.count?.()).toBe(0);
    expect(gatehouse.store.lock).toBeUndefined(); // one process per file: no shared lock
  } finally {
    await gatehouse.close();
  }
});

test('the console logger writes the lines pino writes', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>);
  const viaPino = pino(
    { name: 'gatehouse' },
    new Writable({ write: (chunk, _encoding, done) => (sink(String(chunk)), done()) }),
  );
  const viaConsole = consoleLogger({ name: 'gatehouse' }, { write: sink });
  const loggers: GatehouseLogger[] = [viaPino, viaConsole]; // pino is a GatehouseLogger
  for (const log of loggers) {
    const child = log.child({ component: 'gatehouse' });
    child.warn({ code: 'ERR_X', status: 503 }, 'store: down');
    child.info('plain');
    child.debug('not at info');
    child.error({ err: new TypeError('bad') }, 'unexpected');
  }
  const withoutTime = lines.map(
    ({ time, ...line }) => (expect(time).toEqual(expect.any(Number)), line),
  );
  expect(withoutTime).toHaveLength(6);
  const [pinoLines, consoleLines] = [withoutTime.slice(0, 3), withoutTime.slice(3)];
  expect(consoleLines).toEqual(pinoLines);
});
