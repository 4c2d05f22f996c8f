/**
 * Cases of the Redis store beyond the conformance suite, for each Redis form (one server, a
 * Sentinel set, a cluster): the indexes that back-channel logout reads, and a master killed.
 * The failover case kills a master: it runs last in its file.
 */
import { expect, test } from 'vitest';
import type { SessionRecord } from '@gatehouse/server';
import type { RedisStore } from '@gatehouse/server/stores/redis';
import type { RedisCluster } from '../support/redis-cluster.js';

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const redisRecord = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  user: { sub: 'u1', name: 'Ada' },
  sid: 's1',
  createdAt: now(),
  lastSeenAt: now(),
  expiresAt: now() + 600,
  accessTokenExpiresAt: now() + 60,
  refreshable: true,
  tokens: new Uint8Array([1, 2, 3]),
  ...overrides,
});
const keysOf = (found: { key: string }[]) => found.map(({ key }) => key).sort();

export interface Failover {
  /** Kills the master that holds the Redis key `key` (a cluster), or the master (Sentinel). */
  killMasterOf(key: string): Promise<void>;
  /** Resolves once a replica has taken over. */
  recovered(): Promise<void>;
}

export function redisCases(
  name: string,
  open: (prefix?: string) => RedisStore,
  cluster?: () => RedisCluster,
  failover?: () => Failover,
): void {
  test(`${name}: a session kept alive past its first end is still found by back-channel logout (its user's and provider session's indexes live as long as it does)`, async () => {
    const store = open();
    await store.create('k', redisRecord({ expiresAt: now() + 2 }));
    await store.touch('k', now(), now() + 600);
    await sleep(3100); // past the end the session was created with
    expect(keysOf(await store.listBySubject('u1'))).toEqual(['k']);
    expect(keysOf(await store.listBySid('s1'))).toEqual(['k']);
    await store.close();
  });

  if (cluster)
    test(`${name}: a user's sessions on every shard are all found (back-channel logout of a user on every shard)`, async () => {
      const prefix = `t${Math.random()}:`;
      const byMaster = new Map<number, string>();
      for (let i = 0; byMaster.size < 3 && i < 200; i++) {
        const master = await cluster().masterOf(`${prefix}s:key-${i}`);
        if (!byMaster.has(master)) byMaster.set(master, `key-${i}`);
      }
      expect(byMaster.size).toBe(3);
      const keys = [...byMaster.values()];
      const store = open(prefix);
      for (const key of keys) await store.create(key, redisRecord());
      expect(keysOf(await store.listBySubject('u1'))).toEqual(keys.sort());
      expect(keysOf(await store.listBySid('s1'))).toEqual(keys.sort());
      expect(await store.count()).toBe(3);
      await store.close();
    });

  if (failover)
    test(`${name}: a master killed: every call meanwhile is a 503 within the command timeout, then the store recovers on its own with every session written a second before`, async () => {
      const prefix = `t${Math.random()}:`;
      const store = open(prefix);
      const keys = Array.from({ length: 30 }, (_, i) => `before-${i}`);
      await Promise.all(keys.map((key) => store.create(key, redisRecord())));
      await store.delete('before-0');
      await sleep(1000);
      await failover().killMasterOf(`${prefix}s:${keys[1]}`);

      const failures: { code?: string; ms: number }[] = [];
      const deadline = Date.now() + 30_000;
      for (let ok = false; !ok;) {
        const started = Date.now();
        try {
          await store.get(keys[1]!);
          ok = true;
        } catch (error) {
          failures.push({ code: (error as { code?: string }).code, ms: Date.now() - started });
          expect(Date.now(), 'still failing after 30 s').toBeLessThan(deadline);
          // A refusal may come at once (no connection to queue on): ask again a little later.
          await sleep(100);
        }
      }
      for (const failure of failures) {
        expect(failure.code).toBe('ERR_STORE_UNAVAILABLE');
        expect(failure.ms).toBeLessThan(2600);
      }
      await failover().recovered();
      for (const key of keys.slice(1)) expect((await store.get(key))?.user.sub, key).toBe('u1');
      expect(await store.get('before-0'), 'a session ended before the failover').toBeUndefined();
      expect(keysOf(await store.listBySubject('u1'))).toEqual(keys.slice(1).sort());
      await store.create('after', redisRecord());
      expect(await store.update('after', redisRecord({ tokens: new Uint8Array([9]) }))).toBe(true);
      await store.close();
    }, 60_000);
}
