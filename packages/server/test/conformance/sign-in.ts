import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import { expect, test } from 'vitest';
import { ADA, setCookie, signInThroughBackend } from '../support/stack.js';
import { expectError, expectPage } from './expect.js';
import { FRONTEND_URL, type World } from './suite.js';

/** Sign-in (redirect and popup), the callback's failures, `/me`, sign-out. */
export function signInCases(world: World): void {
  const url = (path: string) => `${world.backend.url}${path}`;

  /** A sign-in started in `jar`, stopped at the provider's answer (the callback URL). */
  async function callbackUrl(jar: CookieJar): Promise<URL> {
    const login = await jar.fetch(url('/login'));
    return new URL(await signIn(login.headers.get('location')!, ADA, jar));
  }

  test('start() listens where BACKEND_URL says', () => {
    expect(world.backend.url).toBe(world.backend.gatehouse.config.backendUrl.origin);
  });

  test('redirect mode: /login, the provider, back to the front end with a session cookie', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(url('/login?returnTo=/orders?page=2'));
    expect(login.status).toBe(302);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.href.startsWith(`${world.idp.issuer}/v1/authorize?`)).toBe(true);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(url('/signin-oidc'));
    expect(setCookie(login, 'gatehouse-tx')).toMatch(/HttpOnly; SameSite=Lax/);

    const callback = await jar.fetch(await signIn(authorize, ADA, jar));
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${FRONTEND_URL}/orders?page=2`);
    expect(setCookie(callback, 'gatehouse')).toMatch(
      /^gatehouse=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
    );
    expect(setCookie(callback, 'gatehouse-tx')).toMatch(/Max-Age=0/);
    expect((await jar.fetch(url('/secure-data'))).status).toBe(200);
  });

  test('popup mode: a page that posts to FRONTEND_URL only, no token in it', async () => {
    const callback = await signInThroughBackend(
      { backend: world.backend, jar: new CookieJar() },
      { query: '?popup=1' },
    );
    expect(callback.status).toBe(200);
    expect(callback.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await callback.text();
    expect(html).toContain('"type":"gatehouse:signed-in"');
    expect(html).toContain(`postMessage(d,"${FRONTEND_URL}")`);
    expect(html).not.toMatch(/ey[\w-]+\.ey/);
    expect(callback.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(setCookie(callback, 'gatehouse')).toBeDefined();
  });

  test('callback without a state: 400 page, no session', async () => {
    const jar = new CookieJar();
    const callback = await callbackUrl(jar);
    callback.searchParams.delete('state');
    const response = await jar.fetch(callback);
    expect(setCookie(response, 'gatehouse')).toBeUndefined();
    await expectPage(response, 400, 'invalid_request');
  });

  test('callback with a tampered state: 400 page, no session', async () => {
    const jar = new CookieJar();
    const callback = await callbackUrl(jar);
    callback.searchParams.set('state', 'attacker-state');
    const response = await jar.fetch(callback);
    expect(setCookie(response, 'gatehouse')).toBeUndefined();
    await expectPage(response, 400, 'does not belong to a sign-in started here');
  });

  test('callback with error=access_denied from the provider: 403 readable page', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(url('/login'));
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const callback = new URL(url('/signin-oidc'));
    callback.search = new URLSearchParams({
      state,
      error: 'access_denied',
      error_description: '<script>alert(1)</script>',
      iss: world.idp.issuer,
    }).toString();
    const response = await jar.fetch(callback);
    expect(setCookie(response, 'gatehouse')).toBeUndefined();
    await expectPage(response, 403, 'Sign-in was cancelled or access was denied.');
  });

  test('/login?returnTo=<another site>: 400 page, no redirect (open redirect)', async () => {
    const response = await fetch(url('/login?returnTo=https://evil.example'), {
      redirect: 'manual',
    });
    await expectPage(response, 400, 'returnTo must be a path on this application');
  });

  test('/me signed in: 200 with the user and the session expiry, nothing else', async () => {
    const jar = await world.signedIn();
    const me = await jar.fetch(url('/me'));
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    const body = await me.json();
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'user']);
    expect(body.user).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(body.user.groups).toContain('admins');
    expect(body.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(JSON.stringify(body)).not.toMatch(/ey[\w-]+\.ey/); // no token
  });

  test('/me signed out: 401 unauthorized with the Bearer challenge', async () => {
    const me = await fetch(url('/me'));
    expect(me.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
    await expectError(me, 401, 'unauthorized', 'Sign in to access this resource.');
  });

  test('/me with a made-up session cookie: 401 invalid_token', async () => {
    const me = await fetch(url('/me'), { headers: { cookie: `gatehouse=${'A'.repeat(43)}` } });
    expect(me.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="invalid_token"',
    );
    await expectError(me, 401, 'invalid_token');
  });

  test('logout: the end-session URL, the cookie cleared, the old cookie refused', async () => {
    const jar = await world.signedIn();
    const cookie = jar.header(url('/'))!;
    const refused = await jar.fetch(url('/logout'), { method: 'POST' });
    await expectError(refused, 403, 'access_denied', 'This request needs the header X-CSRF: 1.');
    expect((await jar.fetch(url('/me'))).status).toBe(200);

    const logout = await jar.fetch(url('/logout'), {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: FRONTEND_URL },
    });
    expect(logout.status).toBe(200);
    expect(logout.headers.get('access-control-allow-origin')).toBe(FRONTEND_URL);
    expect(setCookie(logout, 'gatehouse')).toMatch(/^gatehouse=; .*Max-Age=0/);
    const body = await logout.json();
    expect(Object.keys(body)).toEqual(['endSessionUrl']);
    const end = new URL(body.endSessionUrl);
    expect(`${end.origin}${end.pathname}`).toBe(`${world.idp.issuer}/v1/logout`);
    expect(end.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(FRONTEND_URL);

    await expectError(await jar.fetch(url('/me')), 401, 'unauthorized');
    const old = await fetch(url('/me'), { headers: { cookie } });
    await expectError(old, 401, 'invalid_token');
    expect((await fetch(url('/secure-data'), { headers: { cookie } })).status).toBe(401);
  });
}
