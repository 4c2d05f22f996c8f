/**
 * Issue 15: the SQLite store learns of commits made elsewhere from the WAL index header (one
 * read, no lock) instead of `PRAGMA data_version`. The attack this guards against is the same as
 * sqlite-cache.test.ts's: a session ended by another connection or process served from the
 * cache. These cases are the ones the header makes subtle: the header also counts this
 * connection's own commits, so a commit from elsewhere must never be taken for one of ours.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CommitWatch } from '../../src/session/stores/sqlite-commits.js';
import { SqliteStore } from '../../src/session/stores/sqlite.js';
import type { SessionRecord } from '../../src/session-store.js';

function record(): SessionRecord {
  const now = Math.floor(Date.now() / 1000);
  return {
    user: { sub: 'ada' },
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3600,
    accessTokenExpiresAt: now + 3600,
    refreshable: true,
    tokens: new TextEncoder().encode('sealed'),
    tokenKey: 'k1',
  };
}

let dir: string;
let file: string;
const opened: Array<{ close(): unknown }> = [];
const keep = <T extends { close(): unknown }>(value: T): T => {
  opened.push(value);
  return value;
};
function database(path = file): Database.Database {
  const db = keep(new Database(path));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)');
  return db;
}
const insert = (db: Database.Database, k: string) =>
  db.prepare('INSERT INTO t VALUES (?, ?)').run(k, 'v');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-commits-'));
  file = join(dir, 'sessions.db');
});
afterEach(() => {
  for (const value of opened.splice(0).reverse()) value.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CommitWatch: the WAL index header, read without a lock', () => {
  test('a commit by another connection is seen; reading again without one is not', () => {
    const own = database();
    const other = database();
    const watch = keep(new CommitWatch(own));
    expect(watch.committedElsewhere()).toBe(false);
    insert(other, 'a');
    expect(watch.committedElsewhere()).toBe(true);
    expect(watch.committedElsewhere()).toBe(false);
  });

  test('its own write alone does not count, so the cache survives it', () => {
    const own = database();
    const watch = keep(new CommitWatch(own));
    expect(watch.ownWrite(() => insert(own, 'a')).elsewhere).toBe(false);
    expect(watch.committedElsewhere()).toBe(false);
  });

  test('a commit from elsewhere just before its own write is not taken for its own', () => {
    const own = database();
    const other = database();
    const watch = keep(new CommitWatch(own));
    insert(other, 'a');
    expect(watch.ownWrite(() => insert(own, 'b')).elsewhere).toBe(true);
  });

  test('a commit from elsewhere racing its own write is caught, whether its write changed rows or not', () => {
    const own = database();
    const other = database();
    const watch = keep(new CommitWatch(own));
    const racing = watch.ownWrite(() => {
      insert(other, 'a');
      return insert(own, 'b');
    });
    expect(racing.elsewhere).toBe(true);
    const racingNoop = watch.ownWrite(() => {
      insert(other, 'c');
      return own.prepare('DELETE FROM t WHERE k = ?').run('nothing');
    });
    expect(racingNoop.elsewhere).toBe(true);
  });

  test('a checkpoint that restarts the WAL, then a commit elsewhere, is seen', () => {
    const own = database();
    const other = database();
    insert(own, 'a');
    const watch = keep(new CommitWatch(own));
    other.pragma('wal_checkpoint(TRUNCATE)');
    insert(other, 'b');
    expect(watch.committedElsewhere()).toBe(true);
  });

  test('without a WAL index (:memory:) it falls back to data_version', () => {
    const own = keep(new Database(':memory:'));
    own.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)');
    const watch = keep(new CommitWatch(own));
    expect(watch.ownWrite(() => insert(own, 'a')).elsewhere).toBe(false);
    expect(watch.committedElsewhere()).toBe(false);
  });
});

describe('SqliteStore on the header: the cache never outlives a write from elsewhere', () => {
  test('a session ended elsewhere is gone even after this store wrote in between', async () => {
    const serving = keep(new SqliteStore(file));
    const cli = keep(new SqliteStore(file));
    await serving.create('key-1', record());
    expect(await serving.get('key-1')).toBeDefined();
    await cli.delete('key-1');
    await serving.create('key-2', record());
    expect(await serving.get('key-1')).toBeUndefined();
  });

  test('a store opened through a symbolic link still sees the other connection’s end', async () => {
    const link = join(dir, 'linked.db');
    const serving = keep(new SqliteStore(file));
    await serving.create('key-1', record());
    symlinkSync(file, link);
    const linked = keep(new SqliteStore(link));
    expect(await linked.get('key-1')).toBeDefined();
    await serving.delete('key-1');
    expect(await linked.get('key-1')).toBeUndefined();
  });
});
