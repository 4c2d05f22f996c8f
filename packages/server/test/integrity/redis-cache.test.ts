/**
 * Issue 25: the Redis store keeps the sessions it read lately in process, so a request with a
 * known session costs no round trip to Redis. The attack this guards against: a session ended or
 * changed on another instance still served from this instance's copy. Instances A (Fastify) and
 * B (Express) share one real redis-server; each test uses the session on B first (so B keeps a
 * copy), changes or ends it on A, and sends B the very next request, with no wait in between.
 */
import { RedisStore } from '@gatehouse/server/stores/redis';
import { describe, expect, test } from 'vitest';
import { redisCommand } from '../support/redis.js';
import {
  CSRF,
  expectEnded,
  handleOf,
  integrityHarness,
  on,
  signInDevice,
  sleep,
  type Device,
} from './support.js';
import type { RelyingParty } from '../hostile/relying-party.js';

const harness = integrityHarness(['redis']);

/** `device` used on `rp` twice: its session is now kept in `rp`'s process. */
async function usedOn(rp: RelyingParty, device: Device): Promise<string> {
  let hash = '';
  for (let i = 0; i < 2; i++) {
    const response = await on(rp, device, '/secure-data');
    expect(response.status).toBe(200);
    hash = ((await response.json()) as { accessTokenHash: string }).accessTokenHash;
  }
  return hash;
}

/** How many times Redis has run `command` so far (INFO commandstats). */
async function calls(command: string): Promise<number> {
  const info = await redisCommand(harness.redisUrl, 'INFO', 'commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe('Redis in-process cache: an end or change on instance A is seen by B at once', () => {
  test('signed out on A (POST /logout): the session B kept is refused on B’s very next request', async () => {
    const { a, b } = await harness.instances('redis, instances A and B');
    const victim = await signInDevice(harness.hostile, a);
    await usedOn(b, victim);
    const logout = await on(a, victim, '/logout', { method: 'POST', headers: CSRF });
    expect(logout.status).toBe(200);
    await expectEnded([b, a], victim);
  });

  test('a back-channel logout served by A: the session B kept is refused on B’s very next request', async () => {
    const { a, b } = await harness.instances('redis, instances A and B');
    const victim = await signInDevice(harness.hostile, a);
    await usedOn(b, victim);
    const response = await harness.hostile.backchannelLogout(`${a.url}/backchannel-logout`, {
      sid: victim.sid,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    await expectEnded([b, a], victim);
  });

  test('"sign out this device" (DELETE /sessions/:id) on A: the session B kept is refused on B at once', async () => {
    const { a, b } = await harness.instances('redis, instances A and B');
    const victim = await signInDevice(harness.hostile, a);
    const other = await signInDevice(harness.hostile, a);
    const handle = await handleOf(a, victim, other);
    await usedOn(b, victim);
    const ended = await on(a, other, `/sessions/${handle}`, { method: 'DELETE', headers: CSRF });
    expect(ended.status).toBe(204);
    await expectEnded([b, a], victim);
    expect((await on(b, other, '/secure-data')).status).toBe(200);
  });

  test('a refresh made on A (new tokens): B’s next request serves them, and B redeems no rotated-out refresh token', async () => {
    const { hostile } = harness;
    const { a, b } = await harness.instances('redis, instances A and B');
    hostile.accessTokenTtl = 1;
    const victim = await signInDevice(hostile, a);
    const before = await usedOn(b, victim);
    hostile.accessTokenTtl = 300;
    await sleep(2100); // the access token expired (whole seconds): the next request refreshes
    const refreshes = () =>
      hostile.callsTo('token').filter((call) => call.form?.get('grant_type') === 'refresh_token')
        .length;
    const refreshesBefore = refreshes();
    const onA = await on(a, victim, '/secure-data');
    expect(onA.status).toBe(200);
    const refreshed = ((await onA.json()) as { accessTokenHash: string }).accessTokenHash;
    expect(refreshed).not.toBe(before);
    const locks = await calls('set');
    const onB = await on(b, victim, '/secure-data');
    expect(onB.status).toBe(200);
    // B saw the new tokens at once: it did not find its copy expired and go for the refresh lock.
    expect(await calls('set'), 'refresh locks taken by B').toBe(locks);
    expect(((await onB.json()) as { accessTokenHash: string }).accessTokenHash).toBe(refreshed);
    expect(refreshes() - refreshesBefore, 'refreshes: the one on A, none on B').toBe(1);
  });

  test('B’s change feed killed (CLIENT KILL TYPE pubsub), then a sign-out on A: refused on B, never served from B’s copy', async () => {
    const { a, b } = await harness.instances('redis, instances A and B');
    const victim = await signInDevice(harness.hostile, a);
    await usedOn(b, victim);
    const killed = await redisCommand(harness.redisUrl, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
    expect(killed).toMatch(/^:[1-9]/);
    const logout = await on(a, victim, '/logout', { method: 'POST', headers: CSRF });
    expect(logout.status).toBe(200);
    await expectEnded([b, a], victim);
  });
});

describe('Redis in-process cache: what it saves', () => {
  const REQUESTS = 20;

  async function sessionReadsFor(rp: RelyingParty, device: Device): Promise<number> {
    await on(rp, device, '/secure-data'); // the first request reads the session
    const before = await calls('hmget');
    for (let i = 0; i < REQUESTS; i++)
      expect((await on(rp, device, '/secure-data')).status).toBe(200);
    return (await calls('hmget')) - before;
  }

  test(`${REQUESTS} requests on one session cost no session read from Redis after the first`, async () => {
    const rp = await harness.start('redis');
    const device = await signInDevice(harness.hostile, rp);
    expect(await sessionReadsFor(rp, device)).toBe(0);
  });

  test(`with the cache off (cache: false), each of ${REQUESTS} requests reads the session`, async () => {
    const rp = await harness.start('redis', {
      sessionStore: new RedisStore(harness.redisUrl, { cache: false }),
    });
    const device = await signInDevice(harness.hostile, rp);
    expect(await sessionReadsFor(rp, device)).toBeGreaterThanOrEqual(REQUESTS);
  });
});
