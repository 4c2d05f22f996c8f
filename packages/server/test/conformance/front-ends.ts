import { CookieJar, signOut } from '@gatehouse/dev-idp/testing';
import { expect, test } from 'vitest';
import { signInThroughBackend } from '../support/stack.js';
import { expectError } from './expect.js';
import { FOREIGN_ORIGIN, FRONTEND_URL, SECOND_FRONTEND_URL, type World } from './suite.js';

/**
 * `FRONTEND_URL=<first>,<second>`: the second front end is served like the first by every
 * adapter (CORS on Gatehouse's routes and the app's, CSRF, returnTo, popup, sign-out), and a
 * foreign origin still is not.
 */
export function frontEndCases(world: World): void {
  const url = (path: string) => `${world.backend.url}${path}`;
  const SECOND = SECOND_FRONTEND_URL;

  test.each(['/me', '/secure-data'])(
    'CORS: a preflight of %s from the second front end is granted to it',
    async (path) => {
      const response = await fetch(url(path), {
        method: 'OPTIONS',
        headers: { origin: SECOND, 'access-control-request-method': 'POST' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(SECOND);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    },
  );

  test('CSRF: a cookie POST from the second front end passes with the CORS grant, a foreign origin is 403', async () => {
    const jar = await world.signedIn();
    const ours = await jar.fetch(url('/secure-data'), {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: SECOND },
    });
    expect(ours.status).toBe(200);
    expect(await ours.json()).toEqual({ changed: true });
    expect(ours.headers.get('access-control-allow-origin')).toBe(SECOND);
    const theirs = await jar.fetch(url('/secure-data'), {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: FOREIGN_ORIGIN },
    });
    await expectError(theirs, 403, 'access_denied');
    expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('returnTo absolute on the second front end returns there; its look-alike is 400', async () => {
    const callback = await signInThroughBackend(
      { backend: world.backend, jar: new CookieJar() },
      { query: `?returnTo=${encodeURIComponent(`${SECOND}/users?tab=2`)}` },
    );
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${SECOND}/users?tab=2`);
    const lookAlike = await fetch(url(`/login?returnTo=${encodeURIComponent(`${SECOND}.evil/`)}`), {
      redirect: 'manual',
    });
    expect(lookAlike.status).toBe(400);
  });

  test('popup started from the second front end posts to it, not to the first', async () => {
    const callback = await signInThroughBackend(
      { backend: world.backend, jar: new CookieJar() },
      { query: '?popup=1', headers: { referer: `${SECOND}/` } },
    );
    expect(callback.status).toBe(200);
    const html = await callback.text();
    expect(html).toContain(`postMessage(d,"${SECOND}")`);
    expect(html).not.toContain(FRONTEND_URL);
  });

  test('sign-out from the second front end returns there through the provider', async () => {
    const jar = await world.signedIn();
    const logout = await jar.fetch(url('/logout'), {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: SECOND },
    });
    expect(logout.status).toBe(200);
    const { endSessionUrl } = (await logout.json()) as { endSessionUrl: string };
    expect(new URL(endSessionUrl).searchParams.get('post_logout_redirect_uri')).toBe(SECOND);
    expect(await signOut(endSessionUrl, jar)).toBe(`${SECOND}/`);
  });
}
