/**
 * Two instances (A on Fastify, B on Express, behind one BACKEND_URL) on a Redis that survives a
 * node: a 6-node Redis Cluster and a Sentinel set, each started here, both named by their
 * SESSION_STORE spelling with credentials. Sessions are shared, a sign-out anywhere is refused
 * everywhere at once, a back-channel logout of a user ends their sessions on every shard, and a
 * master killed gives 503s (never a 500) until a replica takes over, then every session made
 * before is still valid without a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sessionKeyOf } from '../src/session/crypto.js';
import { HostileProvider, USER } from './hostile/provider.js';
import { startRelyingParty, type RelyingParty } from './hostile/relying-party.js';
import { CSRF, expectEnded, on, signInDevice, sleep, type Device } from './integrity/support.js';
import { startRedisCluster } from './support/redis-cluster.js';
import { startRedisSentinel } from './support/redis-sentinel.js';

interface RedisSet {
  url: string;
  /** The master port of a session key's slot (a cluster), for sessions spread over shards. */
  shardOf?(redisKey: string): Promise<number>;
  killMasterOf(redisKey: string): Promise<void>;
  close(): Promise<void>;
}

const SETS: [string, () => Promise<RedisSet>][] = [
  [
    'Redis Cluster',
    async () => {
      const cluster = await startRedisCluster({ password: 'cluster-pass' });
      return {
        url: cluster.url,
        shardOf: (key) => cluster.masterOf(key),
        killMasterOf: async (key) => cluster.kill(await cluster.masterOf(key)),
        close: () => cluster.close(),
      };
    },
  ],
  [
    'Redis Sentinel',
    async () => {
      const set = await startRedisSentinel({
        password: 'master-pass',
        sentinelPassword: 'sentinel-pass',
      });
      return {
        url: set.url,
        killMasterOf: async () => {
          await set.killMaster();
        },
        close: () => set.close(),
      };
    },
  ],
];

/** The Redis key of a device's session (the store's default prefix). */
const redisKeyOf = (device: Device) =>
  `gatehouse:s:${sessionKeyOf(/gatehouse=([\w-]{43})/.exec(device.cookie)![1]!)}`;

describe.each(SETS)('two instances on %s', (_name, start) => {
  let hostile: HostileProvider;
  let redis: RedisSet;
  let a: RelyingParty;
  let b: RelyingParty;

  beforeAll(async () => {
    hostile = await HostileProvider.start();
    redis = await start();
    a = await startRelyingParty(hostile, { sessionStore: redis.url });
    b = await startRelyingParty(
      hostile,
      { sessionStore: redis.url },
      { framework: 'express', backendUrl: a.url },
    );
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await hostile?.close();
    await redis?.close();
  });

  test('a session started on A serves B; signed out on B, its cookie is refused on A at once (no stale session on another instance)', async () => {
    const device = await signInDevice(hostile, a);
    expect((await on(b, device, '/secure-data')).status).toBe(200);
    expect((await on(b, device, '/logout', { method: 'POST', headers: CSRF })).status).toBe(200);
    await expectEnded([a, b], device);
  });

  test("a back-channel logout of the user ends the user's sessions on every shard (a logout missing a shard)", async () => {
    const devices: Device[] = [];
    const shards = new Set<number>();
    while (devices.length < 3 || (redis.shardOf && shards.size < 3 && devices.length < 30)) {
      const device = await signInDevice(hostile, a);
      devices.push(device);
      if (redis.shardOf) shards.add(await redis.shardOf(redisKeyOf(device)));
    }
    if (redis.shardOf) expect(shards.size, 'the sessions span every master').toBe(3);
    for (const device of devices) expect((await on(b, device, '/me')).status).toBe(200);

    const logout = await hostile.backchannelLogout(`${b.url}/backchannel-logout`, {
      sub: USER.sub,
    });
    expect(logout.status).toBe(200);
    for (const device of devices) await expectEnded([a, b], device);
  });

  test('a master killed: 503 and never a 500 while a replica takes over, then every session made a second before works on both instances without a restart', async () => {
    const devices = await Promise.all(Array.from({ length: 8 }, () => signInDevice(hostile, a)));
    await sleep(1000);
    await redis.killMasterOf(redisKeyOf(devices[0]!));

    const seen = new Map<number, number>();
    const deadline = Date.now() + 30_000;
    for (let allOk = false; !allOk;) {
      expect(
        Date.now(),
        `still failing: ${JSON.stringify([...seen])}, A: ${a.log.at(-1)}, B: ${b.log.at(-1)}`,
      ).toBeLessThan(deadline);
      const responses = await Promise.all(
        devices.flatMap((device) => [a, b].map((rp) => on(rp, device, '/secure-data'))),
      );
      for (const response of responses) {
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        if (response.status === 503)
          expect(await response.json()).toEqual({
            error: 'temporarily_unavailable',
            error_description:
              'The session store is not available right now. Try again in a moment.',
          });
      }
      allOk = responses.every((response) => response.status === 200);
      if (!allOk) await sleep(200);
    }
    expect([...seen.keys()].filter((status) => status !== 200 && status !== 503)).toEqual([]);
    for (const device of devices)
      for (const rp of [a, b]) expect((await on(rp, device, '/me')).status).toBe(200);
    const after = await signInDevice(hostile, b);
    expect((await on(a, after, '/secure-data')).status).toBe(200);
  }, 60_000);
});
