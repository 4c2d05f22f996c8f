/**
 * Issue 11: with several instances on Redis, recording activity (the "touch" a request makes
 * once the touch interval has passed) never writes a stale record back. Instance B's touch is
 * made to straddle instance A's write: B reads the session, its first write is held (a Redis
 * proxy in front of B) while A refreshes or signs out, then B's write goes through. It must not
 * bring back the rotated-out refresh token, nor a signed-out session.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLIENT } from '../hostile/provider.js';
import type { RelyingParty } from '../hostile/relying-party.js';
import { startRedisProxy, type RedisProxy } from '../support/redis.js';
import {
  CSRF,
  expectEnded,
  handleOf,
  integrityHarness,
  latestRefreshToken,
  on,
  sessionsSeenBy,
  signInDevice,
  sleep,
  type Device,
} from './support.js';

const harness = integrityHarness(['redis']);
/** The touch interval is min(60, idleTimeout / 10) seconds: one second here. */
const IDLE_TIMEOUT = 10;

describe('Redis: a touch overlapping another instance’s write, instances A and B', () => {
  let proxy: RedisProxy;
  beforeAll(async () => {
    proxy = await startRedisProxy(harness.redisUrl);
  });
  afterAll(() => proxy?.close());

  /** A on Redis directly (Fastify); B (Express) behind A's BACKEND_URL, through the proxy. */
  async function instances(): Promise<{ a: RelyingParty; b: RelyingParty }> {
    const a = await harness.start('redis', { idleTimeout: IDLE_TIMEOUT });
    const b = await harness.start(
      'redis',
      { idleTimeout: IDLE_TIMEOUT, sessionStore: proxy.url },
      { framework: 'express', backendUrl: a.url },
    );
    return { a, b };
  }

  /**
   * Starts `device`'s request on B and resolves once B has read the session and its first
   * write (the touch) is held at the proxy, or B answered without writing.
   */
  async function touchHeldOnB(b: RelyingParty, device: Device, path: string) {
    await sleep(1100); // past the touch interval since the last request (whole seconds)
    const writes = proxy.holdWrites();
    const response = on(b, device, path);
    await Promise.race([writes.held, response]);
    return { response, release: writes.release };
  }

  test('the hostile provider refuses a rotated-out refresh token with invalid_grant', async () => {
    const { hostile } = harness;
    const { a } = await instances();
    hostile.accessTokenTtl = 0;
    const device = await signInDevice(hostile, a);
    const rotatedOut = latestRefreshToken(hostile, device.sid);
    expect((await on(a, device, '/secure-data')).status).toBe(200); // a refresh: rotation
    expect(latestRefreshToken(hostile, device.sid)).not.toBe(rotatedOut);
    const reuse = await fetch(`${hostile.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rotatedOut }),
    });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant' });
  });

  test('a touch on B overlapping a refresh on A does not write the rotated-out refresh token back: the next refresh succeeds', async () => {
    const { hostile } = harness;
    const { a, b } = await instances();
    hostile.accessTokenTtl = 0;
    const device = await signInDevice(hostile, a);
    hostile.accessTokenTtl = 1; // A's refresh: a token that expires later than the first one

    const touch = await touchHeldOnB(b, device, '/secure-data');
    const refreshed = await on(a, device, '/secure-data');
    expect(refreshed.status).toBe(200);
    const rotatedIn = latestRefreshToken(hostile, device.sid);
    touch.release();
    expect.soft((await touch.response).status, 'B, whose touch straddled the refresh').toBe(200);

    await sleep(1100); // A's access token expires: the next request refreshes again
    const next = await on(a, device, '/secure-data');
    const lastRefresh = hostile.callsTo('token').at(-1)!;
    expect(lastRefresh.form!.get('refresh_token'), 'the refresh token the next refresh used').toBe(
      rotatedIn,
    );
    expect(next.status, 'the next refresh').toBe(200);
    expect((await on(b, device, '/me')).status).toBe(200);
  });

  test('a touch on B overlapping a sign-out on A does not resurrect the session', async () => {
    const { hostile } = harness;
    const { a, b } = await instances();
    const victim = await signInDevice(hostile, a);
    const other = await signInDevice(hostile, a);
    const handle = await handleOf(a, victim, other);

    const touch = await touchHeldOnB(b, victim, '/me');
    const logout = await on(a, victim, '/logout', { method: 'POST', headers: CSRF });
    expect(logout.status).toBe(200);
    touch.release();
    await touch.response; // began before the sign-out: either answer is fair

    await expectEnded([a, b], victim);
    const listed = (await sessionsSeenBy(a, other)).map((session) => session.id);
    expect(listed, 'the signed-out session is listed again').not.toContain(handle);
  });
});
