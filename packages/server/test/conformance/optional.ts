import { expect, test } from 'vitest';
import { bearer, userTokens } from '../bearer/support.js';
import { expectError } from './expect.js';
import { FRONTEND_URL, type World } from './suite.js';

/**
 * `GET`/`POST /hello` behind the adapter's optional guard (`optionalAuth`, Next's
 * `auth(handler)`): signed-out callers get in as `null`, never a 401; a bad token, a CSRF
 * failure and an outage are still refused.
 */
export function optionalCases(world: World): void {
  const url = (path: string) => `${world.backend.url}${path}`;
  const hello = (headers: Record<string, string> = {}, method = 'GET') =>
    fetch(url('/hello'), { method, headers, redirect: 'manual' });
  const adaCookie = async () => (await world.signedIn()).header(url('/'))!;
  /** The session user's `sub`, as `/me` answers it. */
  const subOf = async (cookie: string) =>
    ((await (await fetch(url('/me'), { headers: { cookie } })).json()) as { user: { sub: string } })
      .user.sub;

  test('signed in or not: a caller with no credential gets 200 and null, not 401', async () => {
    const response = await hello();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: null, via: null });
  });

  test('signed in or not: the session cookie is the signed-in user', async () => {
    const cookie = await adaCookie();
    const response = await hello({ cookie });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: await subOf(cookie), via: 'session' });
  });

  test('signed in or not: a session that has ended is null, not 401', async () => {
    const jar = await world.signedIn();
    const cookie = jar.header(url('/'))!;
    const logout = await jar.fetch(url('/logout'), {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: FRONTEND_URL },
    });
    expect(logout.status).toBe(200);
    const response = await hello({ cookie });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: null, via: null });
  });

  test('signed in or not: a user’s access token is the caller', async () => {
    const { access_token } = await userTokens(world.idp.issuer);
    const response = await hello(bearer(access_token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: 'ada@example.com', via: 'bearer' });
  });

  test('signed in or not: an access token that is not valid is 401 invalid_token, never served as signed out', async () => {
    const response = await hello({ authorization: 'Bearer not-a-token' });
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="gatehouse"/);
    await expectError(response, 401, 'invalid_token');
  });

  test('signed in or not: CSRF still holds, a cookie POST without X-CSRF is 403', async () => {
    await expectError(
      await hello({ cookie: await adaCookie() }, 'POST'),
      403,
      'access_denied',
      'This request needs the header X-CSRF: 1.',
    );
  });

  test('signed in or not: a POST with no cookie needs no X-CSRF and is null', async () => {
    const response = await hello({}, 'POST');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: null, via: null });
  });

  test('signed in or not: the front end’s POST (X-CSRF, its Origin) is the signed-in user, with the CORS grant', async () => {
    const cookie = await adaCookie();
    const response = await hello({ cookie, 'x-csrf': '1', origin: FRONTEND_URL }, 'POST');
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND_URL);
    expect(await response.json()).toEqual({ user: await subOf(cookie), via: 'session' });
  });
}
