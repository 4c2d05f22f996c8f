import type { DevIdp } from '@gatehouse/dev-idp';
import { CookieJar, signOut } from '@gatehouse/dev-idp/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { PostgresStore } from '@gatehouse/server/stores/postgres';
import { startPostgres, type PostgresServer } from './support/postgres.js';
import { signInThroughBackend, type Backend } from './support/stack.js';
import {
  expectSignOutSeenEverywhere,
  on,
  startTwoInstances,
  type TwoInstances,
} from './support/two-instances.js';

/**
 * Two instances behind one BACKEND_URL (as behind a load balancer), sharing a real Postgres:
 * one opened from SESSION_STORE=postgres://..., one from a PostgresStore instance. The cookie
 * jar keys cookies by host, not port, so one browser talks to both.
 */
describe('several instances on Postgres', () => {
  let postgres: PostgresServer;
  let idp: DevIdp;
  let a: Backend;
  let b: Backend;
  let log: TwoInstances['log'];
  let instances: TwoInstances | undefined;

  beforeAll(async () => {
    postgres = await startPostgres();
    // One opened from SESSION_STORE=postgresql://..., one from a PostgresStore instance.
    instances = await startTwoInstances((logger) => [
      postgres.url.replace('postgres://', 'postgresql://'),
      new PostgresStore(postgres.url, { logger }),
    ]);
    ({ idp, a, b, log } = instances);
  });
  afterAll(async () => {
    await instances?.close();
    await postgres?.close();
  });

  test('a session started on A serves B; signed out on B, its cookie is refused on A at once', () =>
    expectSignOutSeenEverywhere(a, b));

  /** The session SELECTs the instances send while `run` runs (heartbeats aside). */
  async function sessionReads(run: () => Promise<void>): Promise<number> {
    const queries = vi.spyOn(pg.Pool.prototype, 'query');
    try {
      await run();
      return queries.mock.calls.filter(([query]) =>
        (query as unknown as { text: string }).text.startsWith('SELECT key, data, tokens'),
      ).length;
    } finally {
      queries.mockRestore();
    }
  }
  /** Until `backend` serves the jar's session from memory (its change feed heard). */
  const cachedOn = (backend: Backend, jar: CookieJar) =>
    expect
      .poll(() => sessionReads(async () => void (await on(backend, jar))), { timeout: 10_000 })
      .toBe(0);

  test('a session read once is served from memory while the change feed is live: five requests, no SELECT', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: a, jar });
    await cachedOn(b, jar);
    const reads = await sessionReads(async () => {
      for (let i = 0; i < 5; i++) expect((await on(b, jar)).status).toBe(200);
    });
    expect(reads).toBe(0);
  });

  test('a copy kept on A is dropped by a sign-out on B within the feed hop, long before its max age (a revoked session served from a cache)', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: a, jar });
    await cachedOn(a, jar);
    const cookie = jar.header(a.url)!;
    expect(
      (await on(b, jar, '/logout', { method: 'POST', headers: { 'x-csrf': '1' } })).status,
    ).toBe(200);
    const status = () =>
      fetch(`${a.url}/secure-data`, { headers: { cookie } }).then((response) => response.status);
    await expect.poll(status, { timeout: 500, interval: 10 }).toBe(401);
  });

  test('a listening connection killed empties the cache at once: a row deleted behind the feed is seen, and the feed comes back (a copy served while changes go unheard)', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: a, jar });
    await cachedOn(a, jar);
    await postgres.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'",
    );
    // Every read goes to Postgres now: a deletion that announces nothing is seen at once.
    await expect
      .poll(() => sessionReads(async () => void (await on(a, jar))), { timeout: 5000 })
      .toBe(1);
    await postgres.query('DELETE FROM gatehouse_sessions');
    expect((await on(a, jar)).status).toBe(401);
    // The feed listens again on its own: a new session is served from memory again.
    const next = new CookieJar();
    await signInThroughBackend({ backend: a, jar: next });
    await cachedOn(a, next);
  });

  test('a back-channel logout from the provider ends every session of that provider session on both instances', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: a, jar });
    const first = jar.header(a.url)!;
    await signInThroughBackend({ backend: b, jar }); // the same provider session, a second sign-in
    const second = jar.header(a.url)!;
    expect(second).not.toBe(first);
    const other = new CookieJar(); // another browser of the same user: another provider session
    await signInThroughBackend({ backend: a, jar: other });
    await signOut(`${idp.issuer}/v1/logout`, jar);
    const status = (backend: Backend, cookie: string) =>
      fetch(`${backend.url}/secure-data`, { headers: { cookie } }).then(
        (response) => response.status,
      );
    await expect.poll(() => status(a, second), { timeout: 5000 }).toBe(401);
    expect(await status(a, first)).toBe(401);
    expect((await on(b, jar)).status).toBe(401);
    expect((await on(b, other)).status).toBe(200);
    expect(log.lines.join('')).toContain('back-channel logout');
  });

  test('Postgres stopped: 503 with a message on both instances, never a 500; restarted: every session from before is still valid', async () => {
    const jars = Array.from({ length: 3 }, () => new CookieJar());
    for (const jar of jars) await signInThroughBackend({ backend: a, jar });
    await postgres.stop();
    const statuses: number[] = [];
    for (const jar of jars) {
      for (const backend of [a, b]) {
        const down = await on(backend, jar);
        statuses.push(down.status, (await on(backend, jar, '/me')).status);
        expect(await down.json()).toEqual({
          error: 'temporarily_unavailable',
          error_description: 'The session store is not available right now. Try again in a moment.',
        });
      }
    }
    expect(statuses.filter((status) => status !== 503)).toEqual([]);
    expect(log.lines.join('')).toContain('Postgres unreachable');
    await postgres.start();
    await expect
      .poll(async () => (await on(a, jars[0]!)).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
    for (const jar of jars) {
      expect((await on(a, jar)).status).toBe(200);
      expect((await on(b, jar)).status).toBe(200);
    }
    expect(log.lines.join('')).toContain('Postgres connected again');
  });
});
