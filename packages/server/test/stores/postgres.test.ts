import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SessionRecord } from '@gatehouse/server';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PostgresStore, postgresSchema } from '@gatehouse/server/stores/postgres';
import { EXPIRED_RETENTION } from '../../src/session-store.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { storeConformance } from './conformance.js';

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.close();
});

const fresh = () => `t${Math.random().toString(36).slice(2)}_`;

// Opened (its tables created) before a case starts, so the case's clock reads stay close.
async function open() {
  const store = new PostgresStore(postgres.url, { tablePrefix: fresh() });
  await store.ping();
  return store;
}

storeConformance('postgres', open, { shared: true });

const now = () => Math.floor(Date.now() / 1000);
const record = (expiresAt: number): SessionRecord => ({
  user: { sub: 'u1' },
  createdAt: now(),
  lastSeenAt: now(),
  expiresAt,
  accessTokenExpiresAt: 0,
  refreshable: false,
  tokens: new Uint8Array([1]),
});

describe('postgres store, its own behaviour', () => {
  test('instances starting at once all create the tables without a catalog conflict', async () => {
    const tablePrefix = fresh();
    const stores = Array.from(
      { length: 8 },
      () => new PostgresStore(postgres.url, { tablePrefix }),
    );
    const results = await Promise.allSettled(stores.map((store) => store.ping()));
    expect(results.filter(({ status }) => status === 'rejected')).toEqual([]);
    await Promise.all(stores.map((store) => store.close()));
  });

  test('with createTables off, missing tables are a 503 naming them; the shipped SQL run by hand fixes it', async () => {
    const tablePrefix = fresh();
    const store = new PostgresStore(postgres.url, { tablePrefix, createTables: false });
    const failure = await store.get('k').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
    expect((failure as { detail: string }).detail).toContain(`${tablePrefix}sessions`);
    await postgres.query(postgresSchema(tablePrefix));
    await store.create('k', record(now() + 60));
    expect((await store.get('k'))?.user.sub).toBe('u1');
    await store.close();
  });

  test('a table prefix that is not a plain identifier is a configuration error (SQL injection)', () => {
    expect(() => new PostgresStore(postgres.url, { tablePrefix: 'x; DROP TABLE y; --' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG' }),
    );
  });

  test('a query stuck behind a lock answers 503 within the command timeout, never hangs', async () => {
    const tablePrefix = fresh();
    const store = new PostgresStore(postgres.url, { tablePrefix, commandTimeout: 300 });
    await store.create('k', record(now() + 60));
    const holder = new pg.Client(postgres.url);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT * FROM ${tablePrefix}sessions WHERE key = 'k' FOR UPDATE`);
    const started = Date.now();
    const failure = await store.touch('k', now(), now() + 120).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
    expect(Date.now() - started).toBeLessThan(1500);
    await holder.query('ROLLBACK');
    await holder.end();
    const expiresAt = now() + 120;
    await store.touch('k', now(), expiresAt);
    expect((await store.get('k'))?.expiresAt).toBe(expiresAt);
    await store.close();
  });

  test('the sweep deletes sessions past their retention and expired claims, and keeps the rest', async () => {
    const tablePrefix = fresh();
    const store = new PostgresStore(postgres.url, { tablePrefix, sweepInterval: 50 });
    await store.create('gone', record(now() - EXPIRED_RETENTION - 1));
    await store.create('retained', record(now() - 1));
    await store.create('live', record(now() + 60));
    await store.claimOnce('old-jti', now() - 1);
    const keys = async () =>
      (await postgres.query(`SELECT key FROM ${tablePrefix}sessions ORDER BY key`)).rows.map(
        ({ key }) => key as string,
      );
    await expect.poll(keys, { timeout: 5000 }).toEqual(['live', 'retained']);
    const claims = await postgres.query(`SELECT id FROM ${tablePrefix}claims`);
    expect(claims.rows).toEqual([]);
    await store.close();
  });

  test('tables dropped under a running store (a database recreated): one 503, then they are made again', async () => {
    const tablePrefix = fresh();
    const store = new PostgresStore(postgres.url, { tablePrefix });
    await store.create('k', record(now() + 60));
    await postgres.query(
      `DROP TABLE ${tablePrefix}sessions, ${tablePrefix}claims, ${tablePrefix}locks`,
    );
    await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(await store.get('k')).toBeUndefined();
    await store.create('k', record(now() + 60));
    expect((await store.get('k'))?.user.sub).toBe('u1');
    await store.close();
  });

  // Last: it stops the server the cases above share.
  test('Postgres stopped: a 503 at once, never a hang or a crash; restarted: the pool reconnects and nothing is lost', async () => {
    const store = new PostgresStore(postgres.url, { tablePrefix: fresh() });
    await store.create('k', record(now() + 600));
    await store.claimOnce('jti', now() + 600);
    await postgres.stop();
    for (const call of [() => store.get('k'), () => store.ping(), () => store.count()]) {
      await expect(call()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
    }
    await postgres.start();
    await expect
      .poll(async () => (await store.get('k').catch(() => undefined))?.user.sub, {
        timeout: 10_000,
      })
      .toBe('u1');
    expect(await store.claimOnce('jti', now() + 600)).toBe(false);
    await store.close();
  });

  test('the SQL docs/scaling.md gives teams that migrate by hand is the SQL the store runs', () => {
    const doc = readFileSync(new URL('../../../../docs/scaling.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Postgres'));
    const sql = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
    expect(sql).toBe(postgresSchema());
  });
});
