/**
 * The Redis-specific cases on one redis-server, and an upgrade: sessions written by the version
 * before clusters (the same key layout) are read, kept alive, listed and ended.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { startRedis, type RedisServer } from '../support/redis.js';
import { redisCases, redisRecord } from './redis-cases.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

const open = (prefix = `t${Math.random()}:`) => new RedisStore(redis.url, { prefix });
redisCases('redis', open);

test('a session written by the previous version is read, kept alive, listed and ended after an upgrade (no sign-out at upgrade)', async () => {
  const prefix = `t${Math.random()}:`;
  const { tokens, ...data } = redisRecord();
  const raw = new Redis(redis.url);
  // As the previous version's create wrote it: one transaction over the hash and its indexes.
  await raw
    .multi()
    .hset(`${prefix}s:old`, {
      d: JSON.stringify(data),
      t: Buffer.from(tokens),
      a: data.lastSeenAt,
      e: data.expiresAt,
    })
    .pexpireat(`${prefix}s:old`, (data.expiresAt + 3600) * 1000)
    .zadd(`${prefix}expiry`, data.expiresAt, 'old')
    .sadd(`${prefix}sub:u1`, 'old')
    .pexpireat(`${prefix}sub:u1`, data.expiresAt * 1000)
    .sadd(`${prefix}sid:s1`, 'old')
    .pexpireat(`${prefix}sid:s1`, data.expiresAt * 1000)
    .exec();
  raw.disconnect();

  const store = open(prefix);
  expect((await store.get('old'))?.user.sub).toBe('u1');
  await store.touch('old', data.lastSeenAt + 5, data.expiresAt + 60);
  expect((await store.get('old'))?.expiresAt).toBe(data.expiresAt + 60);
  expect((await store.listBySid('s1')).map(({ key }) => key)).toEqual(['old']);
  expect(await store.count()).toBe(1);
  await store.delete('old');
  expect(await store.listBySubject('u1')).toEqual([]);
  await store.close();
});
