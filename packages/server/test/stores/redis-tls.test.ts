/**
 * The cluster and Sentinel forms over TLS only (`rediss-cluster://`, `rediss-sentinel://`),
 * with credentials, the CA passed as an option: the conformance suite, and a server whose
 * certificate no trusted authority signed refused (a man in the middle).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { startRedisSentinel, type RedisSentinelSet } from '../support/redis-sentinel.js';
import { makeRedisTls, type RedisTls } from '../support/redis-tls.js';
import { storeConformance } from './conformance.js';

let tls: RedisTls;
let cluster: RedisCluster;
let sentinel: RedisSentinelSet;
beforeAll(async () => {
  tls = makeRedisTls();
  [cluster, sentinel] = await Promise.all([
    startRedisCluster({ password: 'cluster-pass', tls }),
    startRedisSentinel({ password: 'master-pass', sentinelPassword: 'sentinel-pass', tls }),
  ]);
}, 60_000);
afterAll(async () => {
  await cluster?.close();
  await sentinel?.close();
  tls?.close();
});

const prefix = () => `t${Math.random()}:`;
storeConformance(
  'redis-cluster over TLS',
  () => new RedisStore(cluster.url, { prefix: prefix(), redis: { tls: { ca: tls.ca } } }),
  { shared: true },
);
storeConformance(
  'redis-sentinel over TLS',
  () =>
    new RedisStore(sentinel.url, {
      prefix: prefix(),
      redis: { tls: { ca: tls.ca }, sentinelTLS: { ca: tls.ca } },
    }),
  { shared: true },
);

test.each([
  ['cluster', () => cluster.url],
  ['sentinel', () => sentinel.url],
])(
  'a %s whose certificate no trusted authority signed is refused: 503, no session read (man in the middle)',
  async (_form, url) => {
    expect(url()).toMatch(/^rediss-/);
    // The same store as the conformance cases above, without the CA.
    const store = new RedisStore(url(), { prefix: prefix(), commandTimeout: 1000 });
    await expect(store.get('k')).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      status: 503,
    });
    await store.close();
  },
);
