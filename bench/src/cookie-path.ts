// `npm run bench:cookie-path`: what each step of a cookie-authenticated request costs, in this
// process, one step at a time (no HTTP, no load generator): the cookie read, the store key
// (SHA-256 of the id), each store's lookup, the whole `Sessions.load`, and the whole guard
// (`gatehouse.authenticate`). The HTTP side (Fastify, the sockets) is what the `ceiling` and
// `calibration` rows of `npm run bench` measure. docs/benchmarks.md shows a run.
import { createGatehouse, MemoryStore, type SessionStore } from '@gatehouse/server';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCookie } from '../../packages/server/src/session/cookie.js';
import { sessionKeyOf } from '../../packages/server/src/session/crypto.js';
import { offlineOptions, offlineSession } from './lib/offline-session.js';
import { redisVersion, startRedis } from './lib/redis.js';

const ROUNDS = 5;
const PER_ROUND = 50_000;

type Cost = [wall: number, cpu: number];

/**
 * Median µs per call over {@link ROUNDS} rounds after a warm-up round: elapsed, and this
 * process's CPU (user + system; differs from elapsed when a call waits on another process).
 */
async function time(run: () => unknown): Promise<Cost> {
  const rounds: Cost[] = [];
  for (let round = -1; round < ROUNDS; round++) {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) {
      const result = run();
      if (result instanceof Promise) await result;
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    if (round >= 0) rounds.push([elapsed / PER_ROUND, (user + system) / PER_ROUND]);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
  return [median(rounds.map(([wall]) => wall)), median(rounds.map(([, cpu]) => cpu))];
}

const options = offlineOptions('http://localhost:9999');
const { id, key, record } = await offlineSession(options);
const cookie = `theme=dark; gatehouse=${id}; _ga=GA1.2.3`;

const rows: [string, Cost][] = [];
rows.push([
  'read the cookie from a 3-cookie header',
  await time(() => readCookie(cookie, 'gatehouse')),
]);
rows.push(['store key: SHA-256 of the session id', await time(() => sessionKeyOf(id))]);

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cookie-path-'));
const redisAt = redisVersion();
const redis = redisAt ? await startRedis(redisAt) : undefined;
const stores: [string, () => SessionStore][] = [
  ['memory', () => new MemoryStore()],
  ['SQLite (cached; WAL index header checked)', () => new SqliteStore(join(dir, 'cached.db'))],
  ['SQLite (no cache: one SELECT)', () => new SqliteStore(join(dir, 'plain.db'), { cacheSize: 0 })],
  ...(redis
    ? [
        ['Redis (one HMGET round trip)', () => new RedisStore(redis.url)] as [
          string,
          () => SessionStore,
        ],
      ]
    : []),
];
try {
  for (const [name, open] of stores) {
    const store = open();
    await store.create(key, { ...record });
    rows.push([`store.get, ${name}`, await time(() => store.get(key))]);
    const gatehouse = createGatehouse({ ...options, sessionStore: store } as never);
    const request = { method: 'GET', url: '/secure-data', headers: { cookie, host: 'localhost' } };
    rows.push([
      `the whole guard (gatehouse.authenticate), ${name}`,
      await time(() => gatehouse.authenticate(request)),
    ]);
    await gatehouse.close();
    await store.close?.();
  }
} finally {
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`| step | µs per call | CPU µs per call |\n| --- | ---: | ---: |`);
for (const [step, [wall, cpu]] of rows) {
  console.log(`| ${step} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} |`);
}
console.log(
  `\nMedians of ${ROUNDS} rounds of ${PER_ROUND.toLocaleString('en-US')} calls, one at a time.`,
);
if (!redis) console.log('\nredis-server is not installed: the Redis rows were skipped.');
