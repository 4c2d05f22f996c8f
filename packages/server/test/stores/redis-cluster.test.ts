import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { storeConformance } from './conformance.js';
import { redisCases } from './redis-cases.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ password: 'cluster-pass' });
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

const open = (prefix = `t${Math.random()}:`) => new RedisStore(cluster.url, { prefix });
storeConformance('redis-cluster', () => open(), { shared: true });
redisCases(
  'redis-cluster',
  open,
  () => cluster,
  () => ({
    killMasterOf: async (key) => cluster.kill(await cluster.masterOf(`${key}`)),
    recovered: () => cluster.waitForOk(),
  }),
);
