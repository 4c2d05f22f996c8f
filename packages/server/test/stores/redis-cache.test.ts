/**
 * Issue 25: the Redis store's in-process cache and its change feed, on a real redis-server. The
 * attack each case guards against: a session changed or ended elsewhere still served from this
 * process's copy. A copy is served only while the feed is live, and dropped the moment a change
 * is announced; a read that overlaps a change, or a feed that dropped, keeps nothing.
 */
import { RedisStore } from '@gatehouse/server/stores/redis';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { SessionCache } from '../../src/session/stores/cache.js';
import { changeChannel, RedisChangeFeed } from '../../src/session/stores/redis-cache.js';
import type { SessionRecord } from '../../src/session-store.js';
import { redisCommand, startRedis, type RedisServer } from '../support/redis.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';

const now = () => Math.floor(Date.now() / 1000);
const record = (tokens = [1]): SessionRecord => ({
  user: { sub: 'ada' },
  createdAt: now(),
  lastSeenAt: now(),
  expiresAt: now() + 600,
  accessTokenExpiresAt: now() + 60,
  refreshable: true,
  tokens: new Uint8Array(tokens),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps `value` in `cache` as a read of `key` would. */
function keep(cache: SessionCache, key: string, value = record()) {
  cache.settle(cache.begin(key), value);
}

describe('SessionCache, the rules of the in-process copy', () => {
  const live = (cache: SessionCache) => cache.heard(performance.now() + 60_000);

  test('nothing is kept or served before the feed is known live', () => {
    const cache = new SessionCache();
    keep(cache, 'k');
    expect(cache.get('k')).toBeUndefined();
    live(cache);
    keep(cache, 'k');
    expect(cache.get('k')?.user.sub).toBe('ada');
  });

  test('a feed whose lease lapsed (no heartbeat heard) serves nothing and forgets all', async () => {
    const cache = new SessionCache();
    cache.heard(performance.now() + 30);
    keep(cache, 'k');
    expect(cache.get('k')).toBeDefined();
    await sleep(50);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('a read in flight when its session changes is not kept: its answer may predate the change', () => {
    const cache = new SessionCache();
    live(cache);
    const read = cache.begin('k');
    cache.invalidate('k');
    cache.settle(read, record());
    expect(cache.get('k')).toBeUndefined();
  });

  test('a read in flight when the feed drops is not kept', () => {
    const cache = new SessionCache();
    live(cache);
    const read = cache.begin('k');
    cache.down();
    live(cache);
    cache.settle(read, record());
    expect(cache.get('k')).toBeUndefined();
  });

  test('bounded: past `size` sessions the oldest kept goes first', () => {
    const cache = new SessionCache({ size: 2 });
    live(cache);
    for (const key of ['a', 'b', 'c']) keep(cache, key);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
  });

  test('an entry older than `maxAgeMs` is read again (backstop for a writer that does not announce)', async () => {
    const cache = new SessionCache({ maxAgeMs: 20 });
    live(cache);
    keep(cache, 'k');
    expect(cache.get('k')).toBeDefined();
    await sleep(40);
    expect(cache.get('k')).toBeUndefined();
  });

  test('served as a copy: what a caller sets on it does not change the kept session', () => {
    const cache = new SessionCache();
    live(cache);
    keep(cache, 'k');
    cache.get('k')!.expiresAt = 1;
    expect(cache.get('k')!.expiresAt).toBeGreaterThan(now());
  });
});

describe('the Redis change feed', () => {
  let redis: RedisServer;
  const opened: Array<{ close(): void }> = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(() => {
    for (const open of opened.splice(0)) open.close();
  });
  afterAll(async () => {
    await redis?.close();
  });

  /** A cache with its feed over a connection of its own, live once its first heartbeat is back. */
  async function liveCache(heartbeatMs = 1000) {
    const connection = new Redis(redis.url);
    const subscriber = connection.duplicate({ autoResubscribe: false });
    const cache = new SessionCache();
    const feed = new RedisChangeFeed(cache, subscriber, connection, changeChannel('feed:'), {
      heartbeatMs,
    });
    opened.push({ close: () => (feed.close(), connection.disconnect()) });
    await expect.poll(() => cache.live, { timeout: 3000 }).toBe(true);
    return cache;
  }

  test('a change published by another writer drops the kept session before its next read', async () => {
    const cache = await liveCache();
    keep(cache, 'k1');
    keep(cache, 'k2');
    // Another instance's write script announces k1, as the store's scripts do.
    await redisCommand(redis.url, 'PUBLISH', changeChannel('feed:'), 'k1');
    await expect.poll(() => cache.get('k1'), { timeout: 1000 }).toBeUndefined();
    expect(cache.get('k2')).toBeDefined();
  });

  test('the subscription killed (CLIENT KILL TYPE pubsub): emptied at once, bypassed until subscribed again', async () => {
    const cache = await liveCache();
    keep(cache, 'k');
    expect(await redisCommand(redis.url, 'CLIENT', 'KILL', 'TYPE', 'pubsub')).toMatch(/^:[1-9]/);
    await expect.poll(() => cache.live, { timeout: 1000 }).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    keep(cache, 'k'); // a read while the feed is down is not kept
    expect(cache.size).toBe(0);
    // ioredis reconnects; the feed subscribes again and its heartbeat makes it live.
    await expect.poll(() => cache.live, { timeout: 5000 }).toBe(true);
    keep(cache, 'k');
    expect(cache.get('k')).toBeDefined();
  });

  test('a feed whose heartbeats stop coming back (a paused server) stops serving within its lease', async () => {
    const cache = await liveCache(100);
    keep(cache, 'k');
    // CLIENT PAUSE holds every client's commands, heartbeats included, while connections stay up.
    await redisCommand(redis.url, 'CLIENT', 'PAUSE', '800', 'ALL');
    await expect.poll(() => cache.get('k'), { timeout: 700, interval: 20 }).toBeUndefined();
    expect(cache.live).toBe(false);
    await expect.poll(() => cache.live, { timeout: 3000 }).toBe(true);
  });

  test('the refresh lock taken: its holder reads the session from Redis, never from its copy', async () => {
    const store = new RedisStore(redis.url, { prefix: 'lock:' });
    opened.push({ close: () => void store.close() });
    await store.create('k', record());
    // Kept once the feed is live: a read then costs no HMGET.
    const reads = async () => {
      const info = await redisCommand(redis.url, 'INFO', 'commandstats');
      return Number(/cmdstat_hmget:calls=(\d+)/.exec(info)?.[1] ?? 0);
    };
    await expect
      .poll(
        async () => {
          const before = await reads();
          await store.get('k');
          return (await reads()) - before;
        },
        { timeout: 3000 },
      )
      .toBe(0);
    // A change whose announcement has not arrived yet: written behind the feed's back.
    await redisCommand(redis.url, 'HSET', 'lock:s:k', 'a', '12345');
    expect((await store.get('k'))!.lastSeenAt, 'served from the copy').not.toBe(12345);
    const release = await store.lock('refresh:k', 1000);
    expect(release).toBeDefined();
    expect((await store.get('k'))!.lastSeenAt).toBe(12345);
    await release!();
  });
});

describe('the cache on a Redis Cluster (a classic PUBLISH reaches every node)', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ password: 'cluster-pass' });
  }, 30_000);
  afterAll(async () => {
    await cluster?.close();
  });

  test('a copy is served, and a sign-out through another instance drops it within the cluster bus hop, long before its max age', async () => {
    const prefix = `c${Math.random()}:`;
    const [a, b] = [
      new RedisStore(cluster.url, { prefix }),
      new RedisStore(cluster.url, { prefix }),
    ];
    const raw = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }], {
      redisOptions: { password: 'cluster-pass' },
    });
    try {
      await a.create('k', record());
      // Changed behind the feed's back: once B keeps a copy, B still answers the old value.
      await expect
        .poll(
          async () => {
            await b.get('k');
            await raw.hset(`${prefix}s:k`, 'a', '12345');
            const served = (await b.get('k'))!.lastSeenAt;
            await raw.hset(`${prefix}s:k`, 'a', String(now()));
            return served;
          },
          // A fresh cluster under a loaded machine can take seconds to subscribe the feed.
          { timeout: 15_000 },
        )
        .not.toBe(12345);
      await a.delete('k');
      await expect.poll(() => b.get('k'), { timeout: 500, interval: 10 }).toBeUndefined();
    } finally {
      raw.disconnect();
      await a.close();
      await b.close();
    }
  }, 30_000);
});
