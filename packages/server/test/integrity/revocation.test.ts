/**
 * Issue 11: a refresh token does not outlive its session. Every way a session ends (sign-out,
 * "your devices", back-channel logout, idle timeout found on load, a refused refresh) revokes
 * its refresh token at the provider (RFC 7009) when discovery advertises `revocation_endpoint`,
 * in the background: a revocation endpoint that is down or slow never delays or fails the
 * sign-out, and without one no call is attempted.
 */
import { describe, expect, test } from 'vitest';
import type { RelyingParty } from '../hostile/relying-party.js';
import { setCookie } from '../support/stack.js';
import {
  CSRF,
  expectEnded,
  expectRevoked,
  handleOf,
  integrityHarness,
  latestRefreshToken,
  on,
  sleep,
  STORES,
  signInDevice,
  within,
  type Device,
} from './support.js';

const harness = integrityHarness();

/** Signs the device out with POST /logout: 200 at once, and the session cookie cleared. */
async function logout(rp: RelyingParty, device: Device): Promise<void> {
  const response = await within(
    1000,
    'POST /logout',
    on(rp, device, '/logout', { method: 'POST', headers: CSRF }),
  );
  expect(response.status).toBe(200);
  expect(setCookie(response, 'gatehouse')).toMatch(/^gatehouse=;.*Max-Age=0/i);
}

describe.each(STORES)('refresh tokens do not outlive the session, %s', (kind) => {
  async function signedIn(options = {}) {
    const { hostile } = harness;
    const rp = await harness.start(kind, options);
    const device = await signInDevice(hostile, rp);
    return { hostile, rp, device, refreshToken: latestRefreshToken(hostile, device.sid) };
  }

  test('POST /logout revokes the session’s refresh token', async () => {
    harness.hostile.revocationEndpoint = true;
    const { hostile, rp, device, refreshToken } = await signedIn();
    await logout(rp, device);
    await expectRevoked(hostile, refreshToken);
  });

  test('DELETE /sessions/:id (sign out another device) revokes that session’s refresh token', async () => {
    harness.hostile.revocationEndpoint = true;
    const { hostile, rp, device: victim, refreshToken } = await signedIn();
    const other = await signInDevice(hostile, rp);
    const handle = await handleOf(rp, victim, other);
    const ended = await on(rp, other, `/sessions/${handle}`, { method: 'DELETE', headers: CSRF });
    expect(ended.status).toBe(204);
    await expectRevoked(hostile, refreshToken);
    expect(hostile.revokedTokens()).not.toContain(latestRefreshToken(hostile, other.sid));
  });

  test('a back-channel logout revokes the refresh token of every session it ends', async () => {
    harness.hostile.revocationEndpoint = true;
    const { hostile, rp, device, refreshToken } = await signedIn();
    const response = await hostile.backchannelLogout(`${rp.url}/backchannel-logout`, {
      sid: device.sid,
    });
    expect(response.status).toBe(200);
    await expectEnded([rp], device);
    await expectRevoked(hostile, refreshToken);
  });

  test('a session found idle-expired on load answers 401 and its refresh token is revoked', async () => {
    harness.hostile.revocationEndpoint = true;
    const { hostile, rp, device, refreshToken } = await signedIn({
      idleTimeout: 1,
      absoluteTimeout: 60,
    });
    await sleep(2100); // whole seconds: idle for more than a second, whatever the rounding
    expect((await on(rp, device, '/me')).status).toBe(401);
    await expectRevoked(hostile, refreshToken);
  });

  test('a refused refresh (invalid_grant: grant revoked at the provider) ends the session and revokes its refresh token', async () => {
    harness.hostile.revocationEndpoint = true;
    harness.hostile.accessTokenTtl = 0;
    const { hostile, rp, device, refreshToken } = await signedIn();
    hostile.forgetRefreshTokens(); // an administrator revoked the user's grants
    expect((await on(rp, device, '/secure-data')).status).toBe(401);
    expect(hostile.callsTo('token').at(-1)!.form!.get('refresh_token')).toBe(refreshToken);
    await expectEnded([rp], device);
    await expectRevoked(hostile, refreshToken);
  });

  test('a revocation endpoint that is down (500) does not fail the sign-out: 200 at once, cookie cleared', async () => {
    harness.hostile.revocationEndpoint = true;
    const { hostile, rp, device } = await signedIn();
    hostile.mode = 'revocation-500';
    await logout(rp, device);
    await expectEnded([rp], device);
    await expect
      .poll(() => hostile.callsTo('revocation').length, {
        message: 'the revocation was never attempted',
      })
      .toBe(1);
  });

  test('a revocation endpoint that never answers does not delay the sign-out', async () => {
    harness.hostile.revocationEndpoint = true;
    const { hostile, rp, device, refreshToken } = await signedIn();
    const hold = hostile.hold('revocation');
    try {
      await logout(rp, device); // within a second, though the revocation hangs
      await expectEnded([rp], device);
      const call = await within(3000, 'the revocation attempt', hold.reached);
      expect(call.form!.get('token')).toBe(refreshToken);
    } finally {
      hold.release();
    }
  });

  test('without revocation_endpoint in discovery, no revocation is attempted', async () => {
    const { hostile, rp, device } = await signedIn();
    await logout(rp, device);
    await expectEnded([rp], device);
    await sleep(300); // revocation runs in the background: give it time to (wrongly) happen
    expect(hostile.callsTo('revocation')).toEqual([]);
  });
});
