/**
 * The store operations that keep "ending a session always wins" on every store: a refresh's
 * write applies only to a live session, a touch changes only the activity fields, and neither
 * brings back a deleted session. Memory, SQLite and a real redis-server alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryStore, type SessionRecord, type SessionStore } from '@gatehouse/server';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { startRedis, type RedisServer } from './support/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-integrity-'));
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
const record = (tokens: number[], overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  user: { sub: 'u1', name: 'Ada', groups: ['admins'] },
  createdAt: now(),
  lastSeenAt: now(),
  expiresAt: now() + 600,
  accessTokenExpiresAt: now() + 60,
  refreshable: true,
  tokens: new Uint8Array(tokens),
  tokenKey: 'k1',
  ...overrides,
});
const bytes = (loaded: SessionRecord | undefined) => [...(loaded?.tokens ?? [])];

describe.each([
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore(join(dir, `${Math.random()}.db`))],
  ['redis', () => new RedisStore(redis.url, { prefix: `t${Math.random()}:` })],
])('%s store', (_name, open: () => SessionStore) => {
  test('a refresh that lands after a sign-out writes nothing and says so (session resurrection)', async () => {
    const store = open();
    await store.create('k', record([1]));
    await store.delete('k');
    expect(await store.update('k', record([2]))).toBe(false);
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  test('a refresh of a live session replaces tokens, user and scopes, keeping the activity fields', async () => {
    const store = open();
    await store.create('k', record([1]));
    await store.touch('k', now() + 5, now() + 900);
    const refreshed = record([2], {
      user: { sub: 'u1', name: 'Ada', groups: [] },
      scopes: ['openid'],
      lastSeenAt: 1,
      expiresAt: now() + 1,
    });
    expect(await store.update('k', refreshed)).toBe(true);
    const loaded = await store.get('k');
    expect(bytes(loaded)).toEqual([2]);
    expect(loaded?.user.groups).toEqual([]);
    expect(loaded?.scopes).toEqual(['openid']);
    expect(loaded?.lastSeenAt).toBe(now() + 5);
    expect(loaded?.expiresAt).toBe(now() + 900);
    await store.close();
  });

  test('a touch after a refresh never writes the rotated-out tokens back (refresh token reuse)', async () => {
    const store = open();
    await store.create('k', record([1]));
    const stale = await store.get('k'); // a request loaded the session before the refresh
    await store.update('k', record([2]));
    await store.touch('k', now() + 10, now() + 700);
    const loaded = await store.get('k');
    expect(bytes(stale)).toEqual([1]);
    expect(bytes(loaded)).toEqual([2]);
    expect(loaded?.expiresAt).toBe(now() + 700);
    await store.close();
  });

  test('a touch that lands after a sign-out does not bring the session back', async () => {
    const store = open();
    await store.create('k', record([1]));
    await store.delete('k');
    await store.touch('k', now(), now() + 600);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.listBySubject('u1')).toEqual([]);
    await store.close();
  });

  test('a re-seal applies only while the tokens are the ones it read (lost refresh)', async () => {
    const store = open();
    await store.create('k', record([1]));
    await store.update('k', record([2])); // a refresh won the race
    expect(await store.update('k', record([3]), new Uint8Array([1]))).toBe(false);
    expect(bytes(await store.get('k'))).toEqual([2]);
    expect(await store.update('k', record([3]), new Uint8Array([2]))).toBe(true);
    expect(bytes(await store.get('k'))).toEqual([3]);
    await store.close();
  });

  test('counts and samples live sessions only', async () => {
    const store = open();
    await store.create('a', record([1]));
    await store.create('b', record([1], { user: { sub: 'u2' } }));
    await store.create('gone', record([1], { expiresAt: now() - 1 }));
    await store.delete('b');
    expect(await store.count?.()).toBe(1);
    expect((await store.sample!(10)).map(({ key }) => key)).toEqual(['a']);
    await store.close();
  });
});
