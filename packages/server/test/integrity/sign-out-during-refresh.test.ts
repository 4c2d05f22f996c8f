/**
 * Issue 11, "ending a session always wins": a sign-out that lands while the session's refresh
 * is in flight (the token endpoint holds the refresh) ends the session for good. When the
 * refresh returns, its tokens are not stored (the session is not brought back), the request
 * that was waiting answers 401, and the refresh token the provider just issued is revoked.
 */
import { describe, expect, test } from 'vitest';
import type { RelyingParty } from '../hostile/relying-party.js';
import {
  CSRF,
  expectEnded,
  expectRevoked,
  handleOf,
  integrityHarness,
  latestRefreshToken,
  on,
  sessionsSeenBy,
  SETUPS,
  signInDevice,
  type Device,
} from './support.js';

const harness = integrityHarness();

/** How the session ends while its refresh is in flight; `b` is where the sign-out lands. */
type SignOut = (b: RelyingParty, victim: Device, other: Device, handle: string) => Promise<void>;

const signOuts: Array<[string, SignOut]> = [
  [
    'the user signs out (POST /logout)',
    async (b, victim) => {
      const logout = await on(b, victim, '/logout', { method: 'POST', headers: CSRF });
      expect(logout.status).toBe(200);
    },
  ],
  [
    'another device of the user ends it (DELETE /sessions/:id)',
    async (b, _victim, other, handle) => {
      const ended = await on(b, other, `/sessions/${handle}`, { method: 'DELETE', headers: CSRF });
      expect(ended.status).toBe(204);
    },
  ],
  [
    'the provider ends it (back-channel logout of its sid)',
    async (b, victim) => {
      const response = await harness.hostile.backchannelLogout(`${b.url}/backchannel-logout`, {
        sid: victim.sid,
      });
      expect(response.status, await response.clone().text()).toBe(200);
    },
  ],
];

describe.each(SETUPS)('sign-out during a refresh, %s', (setup) => {
  test.each(signOuts)(
    'refresh in flight, then %s: the refresh cannot resurrect the session, its new refresh token is revoked',
    async (_name, signOut) => {
      const { hostile } = harness;
      hostile.revocationEndpoint = true;
      const { a, b, all } = await harness.instances(setup);
      hostile.accessTokenTtl = 0; // every request of a session refreshes first
      const victim = await signInDevice(hostile, a);
      const other = await signInDevice(hostile, a);
      const handle = await handleOf(a, victim, other);

      const hold = hostile.hold('token');
      const inFlight = on(a, victim, '/secure-data');
      const refresh = await hold.reached;
      expect(refresh.form!.get('grant_type')).toBe('refresh_token');
      expect(refresh.form!.get('refresh_token')).toBe(latestRefreshToken(hostile, victim.sid));

      await signOut(b, victim, other, handle);
      hold.release();

      const answer = await inFlight;
      expect(answer.status, 'the request whose refresh overlapped the sign-out').toBe(401);
      const justIssued = latestRefreshToken(hostile, victim.sid);
      expect(justIssued).not.toBe(refresh.form!.get('refresh_token'));
      await expectEnded(all, victim);
      for (const rp of all) {
        const listed = (await sessionsSeenBy(rp, other)).map((session) => session.id);
        expect(listed, 'the ended session is still listed').not.toContain(handle);
      }
      await expectRevoked(hostile, justIssued);
      // The other device of the same user is untouched.
      expect((await on(b, other, '/me')).status).toBe(200);
    },
  );
});
