import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryStore, type SessionRecord, type SessionStore } from '@gatehouse/server';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { EXPIRED_RETENTION } from '../src/session/store.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const now = () => Math.floor(Date.now() / 1000);
const record = (expiresAt: number): SessionRecord => ({
  user: { sub: 'u1', name: 'Ada', groups: ['admins'] },
  createdAt: now(),
  lastSeenAt: now(),
  expiresAt,
  accessTokenExpiresAt: now() + 3600,
  refreshable: true,
  tokens: new Uint8Array([1, 2, 3]),
});

describe.each([
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore(join(dir, `${Math.random()}.db`))],
])('%s store', (_name, open: () => SessionStore) => {
  test('keeps, touches and deletes a session', async () => {
    const store = open();
    await store.create('k', record(now() + 60));
    const loaded = await store.get('k');
    expect(loaded?.user).toEqual({ sub: 'u1', name: 'Ada', groups: ['admins'] });
    expect(Buffer.from(loaded!.tokens)).toEqual(Buffer.from([1, 2, 3]));
    await store.touch('k', now() + 5, now() + 120);
    expect((await store.get('k'))?.expiresAt).toBe(now() + 120);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  test('an expired session is listed nowhere, but get still finds it so it can be ended properly', async () => {
    const store = open();
    await store.create('old', record(now() - 1));
    expect((await store.get('old'))?.expiresAt).toBe(now() - 1);
    expect(await store.listBySubject('u1')).toEqual([]);
    expect(await store.count?.()).toBe(0);
    await store.create('long-gone', record(now() - EXPIRED_RETENTION - 1));
    expect(await store.get('long-gone')).toBeUndefined();
    await store.close();
  });
});

test('the sqlite store survives a restart', async () => {
  const path = join(dir, 'restart.db');
  const first = new SqliteStore(path);
  await first.create('k', record(now() + 60));
  await first.close();
  const second = new SqliteStore(path);
  expect((await second.get('k'))?.user.sub).toBe('u1');
  await second.close();
});

test('an unwritable sqlite file is a clear 503 error, not a crash', () => {
  const notADirectory = join(dir, 'restart.db');
  expect(() => new SqliteStore(join(notADirectory, 'sessions.db'))).toThrow(
    expect.objectContaining({ code: 'ERR_STORE_UNAVAILABLE', status: 503 }),
  );
});

test('a session file from 0.1.0 (no sub column) opens: its sessions sign in again (regression)', async () => {
  const path = join(dir, 'old.db');
  const Database = (await import('better-sqlite3')).default;
  const old = new Database(path);
  old.exec(`CREATE TABLE gatehouse_sessions (key TEXT PRIMARY KEY, data TEXT NOT NULL,
    tokens BLOB NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`);
  old.close();
  const store = new SqliteStore(path);
  await store.create('k', record(now() + 60));
  expect((await store.get('k'))?.user.sub).toBe('u1');
  await store.close();
});
