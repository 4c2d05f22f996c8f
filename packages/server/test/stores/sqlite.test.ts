import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { SessionRecord } from '@gatehouse/server';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { storeConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeConformance('sqlite', () => new SqliteStore(join(dir, `${Math.random()}.db`)));

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
