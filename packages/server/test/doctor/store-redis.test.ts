/**
 * `gatehouse doctor` on a Redis Cluster and a Sentinel set: the form, version and cluster state
 * when they answer, a warning for a master left without a replica (after a failover), an error
 * when the cluster cannot serve every slot, and never a password in what it prints.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sessionStoreCheck } from '../../src/doctor/store.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { startRedisSentinel, type RedisSentinelSet } from '../support/redis-sentinel.js';
import { freePort } from '../support/stack.js';

const PASSWORD = 'Pa55-w0rd-of-redis';
const SENTINEL_PASSWORD = 'Pa55-w0rd-of-sentinel';
const printed = (check: { message: string; fix?: string }) => `${check.message} ${check.fix ?? ''}`;

describe('a Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ password: PASSWORD });
  }, 30_000);
  afterAll(() => cluster?.close());

  test('answers: its state, masters and version, the password shown as ***', async () => {
    const check = await sessionStoreCheck(cluster.url, true, 5);
    expect(check.status, check.message).toBe('ok');
    expect(check.message).toMatch(
      /^SESSION_STORE=redis-cluster:\/\/:\*\*\*@127\.0\.0\.1:\d+,.* answers \(Redis Cluster of 3 masters, cluster_state ok, Redis 7\.\d+\.\d+\)$/,
    );
    expect(printed(check)).not.toContain(PASSWORD);
  });

  test('a master killed and replaced: a warning that the new master has no replica (sessions a second failover would lose)', async () => {
    await cluster.kill(await cluster.masterOf('any-key'));
    await cluster.waitForOk();
    const check = await sessionStoreCheck(cluster.url, true, 5);
    expect(check.status, check.message).toBe('warn');
    expect(check.message).toContain('but 1 of 3 masters have no replica');
    expect(printed(check)).not.toContain(PASSWORD);
  });

  test('a master left without a replica killed: an error, cluster_state fail (slots nobody serves)', async () => {
    await cluster.kill(await cluster.masterOf('any-key')); // the replica promoted above
    await expect
      .poll(async () => (await sessionStoreCheck(cluster.url, true, 5)).message, {
        timeout: 10_000,
      })
      .toMatch(/does not answer: redis cluster: cluster_state is fail$/);
    const check = await sessionStoreCheck(cluster.url, true, 5);
    expect(check.status, check.message).toBe('error');
    expect(printed(check)).not.toContain(PASSWORD);
  }, 20_000);
});

describe('a Sentinel set', () => {
  let set: RedisSentinelSet;
  beforeAll(async () => {
    set = await startRedisSentinel({ password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
  }, 30_000);
  afterAll(() => set?.close());

  test('answers: the master the sentinels name, with its replica; both passwords shown as ***', async () => {
    const check = await sessionStoreCheck(set.url, true, 5);
    expect(check.status, check.message).toBe('ok');
    expect(check.message).toMatch(
      /^SESSION_STORE=redis-sentinel:\/\/:\*\*\*@.*\/gatehouse-master\?sentinelPassword=\*\*\* answers \(Redis 7\.\d+\.\d+, master gatehouse-master at 127\.0\.0\.1:\d+ named by Sentinel\)$/,
    );
    expect(printed(check)).not.toContain(PASSWORD);
    expect(printed(check)).not.toContain(SENTINEL_PASSWORD);
  });

  test('no sentinel reachable: an error within the timeout, no password', async () => {
    const port = await freePort();
    const url = `redis-sentinel://:${PASSWORD}@127.0.0.1:${port}/gatehouse-master?sentinelPassword=${SENTINEL_PASSWORD}`;
    const check = await sessionStoreCheck(url, true, 3);
    expect(check.status, check.message).toBe('error');
    expect(check.message).toContain('does not answer');
    expect(printed(check)).not.toContain(PASSWORD);
    expect(printed(check)).not.toContain(SENTINEL_PASSWORD);
  }, 15_000);
});
