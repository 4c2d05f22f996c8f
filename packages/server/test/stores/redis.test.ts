import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { startRedis, type RedisServer } from '../support/redis.js';
import { storeConformance } from './conformance.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

storeConformance('redis', () => new RedisStore(redis.url, { prefix: `t${Math.random()}:` }), {
  shared: true,
});
