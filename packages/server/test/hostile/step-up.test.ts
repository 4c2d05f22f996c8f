/**
 * Issue 14 against the hostile provider: what a sign-in asked for (`acr_values`, `max_age`,
 * `prompt=none`) is checked at the callback; the session keeps `acr` and `auth_time`, and
 * `requireAuthLevel` answers an RFC 9470 challenge to a session and a Bearer caller alike.
 */
import { describe, expect, test } from 'vitest';
import { requireAuthLevel, type GatehouseError } from '@gatehouse/server';
import { bearerPrincipal } from '../../src/bearer/principal.js';
import { setCookie } from '../support/stack.js';
import { useHostileFixture } from './fixture.js';
import { USER } from './provider.js';
import { expectRefusedPage, failures, FRONTEND_URL, signIn } from './relying-party.js';

const fixture = useHostileFixture();

const now = () => Math.floor(Date.now() / 1000);

describe('step-up at the callback', () => {
  test('an acr among those asked signs in, and the session keeps acr and auth_time', async () => {
    fixture.hostile.userClaims = { acr: 'mfa' };
    const { callback } = await signIn(fixture.rp, { query: '?acr_values=mfa%20phr&max_age=60' });
    expect(callback?.status, await callback?.clone().text()).toBe(302);
    const [session] = await fixture.rp.store.listBySubject(USER.sub);
    expect(session?.record).toMatchObject({ acr: 'mfa', authTime: expect.any(Number) });
    const authorize = fixture.hostile.callsTo('authorize')[0]!.url.searchParams;
    expect(authorize.get('acr_values')).toBe('mfa phr');
    expect(authorize.get('max_age')).toBe('60');
  });

  test('a weaker acr than asked is refused with a readable 403 page and no session', async () => {
    fixture.hostile.userClaims = { acr: 'pwd' };
    const { callback } = await signIn(fixture.rp, { query: '?acr_values=mfa' });
    const html = await expectRefusedPage(fixture.rp, callback, 403);
    expect(html).toContain('did not sign you in as strongly as this application asked');
    expect(failures(fixture.rp.log).at(-1)?.detail).toBe('acr pwd not in mfa');
  });

  test('no acr at all when one was asked is refused', async () => {
    const { callback } = await signIn(fixture.rp, { query: '?acr_values=mfa' });
    await expectRefusedPage(fixture.rp, callback, 403);
  });

  test('a missing auth_time when max_age was sent is refused', async () => {
    fixture.hostile.userClaims = { auth_time: undefined };
    const { callback } = await signIn(fixture.rp, { query: '?max_age=300' });
    await expectRefusedPage(fixture.rp, callback, 401);
  });

  test('an auth_time older than max_age is refused', async () => {
    fixture.hostile.userClaims = { auth_time: now() - 3600 };
    const { callback } = await signIn(fixture.rp, { query: '?max_age=60' });
    await expectRefusedPage(fixture.rp, callback, 401);
  });

  test('without max_age, no auth_time is needed', async () => {
    fixture.hostile.userClaims = { auth_time: undefined };
    const { callback } = await signIn(fixture.rp);
    expect(callback?.status).toBe(302);
  });
});

describe('prompt=none (silent sign-in)', () => {
  test.each(['login_required', 'consent_required', 'interaction_required'])(
    '%s comes back signed out: a redirect with the marker, no error page, no session',
    async (error) => {
      fixture.hostile.authorizeError = error;
      const { callback } = await signIn(fixture.rp, { query: '?prompt=none&returnTo=/orders' });
      expect(callback?.status).toBe(302);
      expect(callback!.headers.get('location')).toBe(`${FRONTEND_URL}/orders#gatehouse=signed-out`);
      expect(setCookie(callback!, 'gatehouse')).toBeUndefined();
      expect(setCookie(callback!, 'gatehouse-tx')).toMatch(/Max-Age=0/);
      expect(fixture.rp.store.size).toBe(0);
      expect(fixture.hostile.callsTo('token')).toHaveLength(0);
    },
  );

  test('another error of a silent sign-in is still an error page', async () => {
    fixture.hostile.authorizeError = 'access_denied';
    const { callback } = await signIn(fixture.rp, { query: '?prompt=none' });
    await expectRefusedPage(fixture.rp, callback, 403);
  });

  test('login_required without prompt=none is an error page, not a silent signed-out', async () => {
    fixture.hostile.authorizeError = 'login_required';
    const { callback } = await signIn(fixture.rp);
    await expectRefusedPage(fixture.rp, callback, 403);
  });
});

describe('requireAuthLevel (RFC 9470)', () => {
  const challengeOf = (error: unknown) =>
    fixture.rp.backend.gatehouse.errorResponse(error, 'test').headers['www-authenticate'];

  async function sessionPrincipal(query: string) {
    const { callback, jar } = await signIn(fixture.rp, { query });
    expect(callback?.status).toBe(302);
    return fixture.rp.backend.gatehouse.authenticate({
      method: 'GET',
      url: '/secure-data',
      headers: { cookie: jar.header(`${fixture.rp.url}/`)! },
    });
  }

  test('a session signed in with a weaker acr gets 401 insufficient_user_authentication', async () => {
    fixture.hostile.userClaims = { acr: 'pwd' };
    const principal = await sessionPrincipal('');
    expect(principal.acr).toBe('pwd');
    const rule = requireAuthLevel({ acr: 'mfa', maxAge: 300 });
    let failure: GatehouseError | undefined;
    try {
      rule(principal);
    } catch (error) {
      failure = error as GatehouseError;
    }
    expect(failure?.status).toBe(401);
    expect(failure?.code).toBe('ERR_INSUFFICIENT_USER_AUTHENTICATION');
    const response = fixture.rp.backend.gatehouse.errorResponse(failure, 'test');
    expect(response.status).toBe(401);
    expect(challengeOf(failure)).toMatch(
      /^Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="[^"]+", acr_values="mfa", max_age=300$/,
    );
  });

  test('a session with the acr asked and a recent auth_time is let in', async () => {
    fixture.hostile.userClaims = { acr: 'mfa' };
    const principal = await sessionPrincipal('?acr_values=mfa');
    expect(() => requireAuthLevel({ acr: ['phr', 'mfa'], maxAge: 300 })(principal)).not.toThrow();
  });

  test('a session signed in too long ago gets the challenge with max_age only', async () => {
    fixture.hostile.userClaims = { auth_time: now() - 600 };
    const principal = await sessionPrincipal('');
    const rule = requireAuthLevel({ maxAge: 120 });
    expect(() => rule(principal)).toThrow(
      expect.objectContaining({ code: 'ERR_INSUFFICIENT_USER_AUTHENTICATION' }),
    );
    try {
      rule(principal);
    } catch (error) {
      expect(challengeOf(error)).toMatch(/, max_age=120$/);
      expect(challengeOf(error)).not.toContain('acr_values');
    }
  });

  test('a Bearer caller is judged by its token’s acr and auth_time, with the same challenge', () => {
    const rule = requireAuthLevel({ acr: 'mfa', maxAge: 300 });
    const weak = bearerPrincipal('t', { sub: 'u', acr: 'pwd', auth_time: now() }, []);
    const old = bearerPrincipal('t', { sub: 'u', acr: 'mfa', auth_time: now() - 900 }, []);
    const strong = bearerPrincipal('t', { sub: 'u', acr: 'mfa', auth_time: now() - 10 }, []);
    for (const principal of [weak, old]) {
      expect(() => rule(principal)).toThrow(expect.objectContaining({ status: 401 }));
    }
    expect(() => rule(strong)).not.toThrow();
    try {
      rule(weak);
    } catch (error) {
      expect(challengeOf(error)).toContain('acr_values="mfa", max_age=300');
    }
  });

  test('bad arguments are programming errors', () => {
    expect(() => requireAuthLevel({})).toThrow(TypeError);
    expect(() => requireAuthLevel({ acr: 'a"b' })).toThrow(TypeError);
    expect(() => requireAuthLevel({ maxAge: -1 })).toThrow(TypeError);
  });
});
