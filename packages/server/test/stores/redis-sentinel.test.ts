import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { startRedisSentinel, type RedisSentinelSet } from '../support/redis-sentinel.js';
import { storeConformance } from './conformance.js';
import { redisCases } from './redis-cases.js';

let sentinel: RedisSentinelSet;
beforeAll(async () => {
  sentinel = await startRedisSentinel({
    password: 'master-pass',
    sentinelPassword: 'sentinel-pass',
  });
}, 30_000);
afterAll(async () => {
  await sentinel?.close();
});

const open = (prefix = `t${Math.random()}:`) => new RedisStore(sentinel.url, { prefix });
storeConformance('redis-sentinel', () => open(), { shared: true });
redisCases('redis-sentinel', open, undefined, () => ({
  killMasterOf: async () => {
    await sentinel.killMaster();
  },
  recovered: async () => {
    await sentinel.waitForMaster();
  },
}));
