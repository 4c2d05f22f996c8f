import { CookieJar, signOut } from '@gatehouse/dev-idp/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  setCookie,
  signInThroughBackend,
  startStack,
  type Framework,
  type Stack,
} from './support/stack.js';

describe.each<Framework>(['fastify', 'express'])(
  'sign-in, API call and sign-out on %s',
  (framework) => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ framework });
    });
    afterAll(() => stack.close());

    test('/login sends the browser to the provider with PKCE S256, state and nonce', async () => {
      const response = await stack.jar.fetch(`${stack.backend.url}/login?returnTo=/orders`);
      expect(response.status).toBe(302);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const location = new URL(response.headers.get('location')!);
      expect(location.href.startsWith(`${stack.idp.issuer}/v1/authorize`)).toBe(true);
      const params = location.searchParams;
      expect(params.get('code_challenge_method')).toBe('S256');
      expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(params.get('state')).toMatch(/^[\w-]{43}$/);
      expect(params.get('nonce')).toMatch(/^[\w-]{43}$/);
      expect(params.get('redirect_uri')).toBe(`${stack.backend.url}/signin-oidc`);
      expect(setCookie(response, 'gatehouse-tx')).toMatch(/HttpOnly; SameSite=Lax/);
    });

    test('a full sign-in returns to the front end with a small, opaque, HttpOnly session cookie', async () => {
      stack.jar = new CookieJar();
      const callback = await signInThroughBackend(stack, { query: '?returnTo=/orders?page=2' });
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe(`${stack.frontendUrl}/orders?page=2`);
      const cookie = setCookie(callback, 'gatehouse')!;
      expect(cookie).toMatch(
        /^gatehouse=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/,
      );
      expect(cookie.length).toBeLessThan(200);
      expect(setCookie(callback, 'gatehouse-tx')).toMatch(/Max-Age=0/);

      const me = await stack.jar.fetch(`${stack.backend.url}/me`);
      expect(me.status).toBe(200);
      const body = await me.json();
      expect(body.user).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
      expect(body.user.groups).toContain('admins');
      expect(body.expiresAt).toBeGreaterThan(Date.now() / 1000);

      const data = await stack.jar.fetch(`${stack.backend.url}/secure-data`);
      expect(data.status).toBe(200);
      expect((await data.json()).message).toBe('You are authenticated!');
    });

    test('sign-out ends the server session and returns the provider end-session URL', async () => {
      const refused = await stack.jar.fetch(`${stack.backend.url}/logout`, { method: 'POST' });
      expect(refused.status).toBe(403); // CSRF: no X-CSRF header
      expect((await stack.jar.fetch(`${stack.backend.url}/me`)).status).toBe(200);

      const logout = await stack.jar.fetch(`${stack.backend.url}/logout`, {
        method: 'POST',
        headers: { 'x-csrf': '1' },
      });
      expect(logout.status).toBe(200);
      expect(setCookie(logout, 'gatehouse')).toMatch(/Max-Age=0/);
      const { endSessionUrl } = await logout.json();
      const url = new URL(endSessionUrl);
      expect(url.href.startsWith(`${stack.idp.issuer}/v1/logout`)).toBe(true);
      expect(url.searchParams.get('id_token_hint')).toMatch(/^ey/);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(stack.frontendUrl);

      const me = await stack.jar.fetch(`${stack.backend.url}/me`);
      expect(me.status).toBe(401);
      expect(await me.json()).toEqual({
        error: 'unauthorized',
        error_description: 'Sign in to access this resource.',
      });

      // The provider session ends too: the next sign-in shows the login page again.
      expect(new URL(await signOut(endSessionUrl, stack.jar)).origin).toBe(stack.frontendUrl);
      const login = await stack.jar.fetch(`${stack.backend.url}/login`);
      const authorize = await stack.jar.fetch(login.headers.get('location')!);
      expect(new URL(authorize.headers.get('location')!, stack.idp.url).pathname).toMatch(
        /^\/interaction\//,
      );
    });

    test('the API answers 401 JSON with WWW-Authenticate, never a redirect, without a session', async () => {
      const response = await fetch(`${stack.backend.url}/secure-data`, { redirect: 'manual' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
      expect(await response.json()).toEqual({
        error: 'unauthorized',
        error_description: 'Sign in to access this resource.',
      });
    });

    test('popup mode: the callback page posts only to the front end origin and carries no token', async () => {
      const callback = await signInThroughBackend(stack, { query: '?popup=1' });
      expect(callback.status).toBe(200);
      const html = await callback.text();
      expect(html).toContain('"type":"gatehouse:signed-in"');
      expect(html).toContain(`postMessage(d,"${stack.frontendUrl}")`);
      expect(html).not.toContain('"*"');
      expect(html).not.toMatch(/ey[\w-]+\.ey/); // no JWT anywhere in the page
      expect(callback.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'/);
      expect(callback.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(callback.headers.get('referrer-policy')).toBe('no-referrer');
      expect(setCookie(callback, 'gatehouse')).toBeDefined();
    });

    test('every sign-in gets a new session id and ends the previous session (session fixation)', async () => {
      await signInThroughBackend(stack);
      const first = stack.jar.header(`${stack.backend.url}/`)!.match(/gatehouse=([\w-]+)/)![1];
      await signInThroughBackend(stack);
      const second = stack.jar.header(`${stack.backend.url}/`)!.match(/gatehouse=([\w-]+)/)![1];
      expect(second).not.toBe(first);
      const old = await fetch(`${stack.backend.url}/me`, {
        headers: { cookie: `gatehouse=${first}` },
      });
      expect(old.status).toBe(401);
    });
  },
);
