import type { DevIdp } from '@gatehouse/dev-idp';
import { CookieJar, signOut } from '@gatehouse/dev-idp/testing';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisStore } from '@gatehouse/server/stores/redis';
import { sessionKeyOf } from '../src/session/crypto.js';
import { startRedis, type RedisServer } from './support/redis.js';
import { signInThroughBackend, type Backend } from './support/stack.js';
import {
  expectSignOutSeenEverywhere,
  on,
  startTwoInstances,
  type TwoInstances,
} from './support/two-instances.js';

/**
 * Two instances behind one BACKEND_URL (as behind a load balancer), sharing a real Redis.
 * The cookie jar keys cookies by host, not port, so one browser talks to both.
 */
describe('several instances on Redis', () => {
  let redis: RedisServer;
  let idp: DevIdp;
  let a: Backend;
  let b: Backend;
  let log: TwoInstances['log'];
  let instances: TwoInstances | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    instances = await startTwoInstances((logger) => [
      redis.url,
      new RedisStore(redis.url, { logger }),
    ]);
    ({ idp, a, b, log } = instances);
  });
  afterAll(async () => {
    await instances?.close();
    await redis?.close();
  });

  test('a session started on A serves B; signed out on B, its cookie is refused on A at once', () =>
    expectSignOutSeenEverywhere(a, b));

  test('a back-channel logout from the provider ends the session on both instances', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: a, jar });
    expect((await on(b, jar)).status).toBe(200);
    // The user signs out at the provider itself (another app, the Okta dashboard).
    await signOut(`${idp.issuer}/v1/logout`, jar);
    await expect.poll(async () => (await on(a, jar)).status, { timeout: 5000 }).toBe(401);
    expect((await on(b, jar)).status).toBe(401);
    expect(log.lines.join('')).toContain('back-channel logout');
  });

  test('Redis killed: 503 with a message, nobody signed in; Redis back: the session is still there', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: a, jar });
    await redis.stop();
    const down = await on(a, jar);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The session store is not available right now. Try again in a moment.',
    });
    expect((await on(b, jar, '/me')).status).toBe(503);
    expect(log.lines.join('')).toContain('Redis unreachable');
    await redis.start();
    await expect
      .poll(async () => (await on(a, jar)).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
    expect((await on(b, jar)).status).toBe(200);
  });

  test('500 sessions whose access tokens expire together: every request succeeds, one refresh per session', async () => {
    const jars = Array.from({ length: 500 }, () => new CookieJar());
    for (let i = 0; i < jars.length; i += 25) {
      await Promise.all(
        jars.slice(i, i + 25).map((jar) => signInThroughBackend({ backend: a, jar })),
      );
    }
    const store = new RedisStore(redis.url);
    const keys = jars.map((jar) =>
      sessionKeyOf(jar.header(a.url)!.match(/gatehouse=([\w-]{43})/)![1]!)!,
    );
    const expired = Math.floor(Date.now() / 1000) - 1;
    await Promise.all(
      keys.map(async (key) => {
        const record = (await store.get(key))!;
        await store.update(key, { ...record, accessTokenExpiresAt: expired });
      }),
    );
    await store.close();

    let refreshes = 0;
    const count = (message: unknown) => {
      if ((message as { ok: boolean }).ok) refreshes++;
    };
    subscribe('gatehouse:refresh', count);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < jars.length; i += 50) {
        const batch = jars.slice(i, i + 50).flatMap((jar) => [on(a, jar), on(b, jar)]);
        statuses.push(...(await Promise.all(batch)).map((r) => r.status));
      }
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(refreshes).toBe(500);
    } finally {
      unsubscribe('gatehouse:refresh', count);
    }
  }, 180_000);
});
