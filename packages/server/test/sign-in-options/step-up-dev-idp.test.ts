/**
 * Issue 14 against the dev IdP (a real oidc-provider): a step-up asks Ada (in `admins`) for the
 * one-time code, the ID token and the access token carry the `acr` and `amr` reached, and the
 * session keeps them; `requireAuthLevel` lets the session and the Bearer token in after it.
 */
import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import { requireAuthLevel, type Principal } from '@gatehouse/server';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADA, signInThroughBackend, startStack, type Stack } from '../support/stack.js';

const TWO_FACTOR = 'urn:okta:loa:2fa:any';
const PASSWORD = 'urn:okta:loa:1fa:pwd';
const SAM = { email: 'sam@example.com', password: 'sam-dev-password' };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function principalOf(jar: CookieJar): Promise<Principal> {
  return stack.backend.gatehouse.authenticate({
    method: 'GET',
    url: '/secure-data',
    headers: { cookie: jar.header(`${stack.backend.url}/`)! },
  });
}

const adminAction = requireAuthLevel({ acr: TWO_FACTOR, maxAge: 300 });

describe('step-up against the dev IdP', () => {
  test('a password sign-in (no acr asked, so the ID token may omit it) is asked to step up', async () => {
    stack.jar = new CookieJar();
    const callback = await signInThroughBackend(stack);
    expect(callback.status).toBe(302);
    const principal = await principalOf(stack.jar);
    // oidc-provider puts acr in the ID token only when a sign-in asked for one.
    expect([undefined, PASSWORD]).toContain(principal.acr);
    expect(principal.authTime).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(() => adminAction(principal)).toThrow(
      expect.objectContaining({ code: 'ERR_INSUFFICIENT_USER_AUTHENTICATION', status: 401 }),
    );
  });

  test('the step-up signs in again with the one-time code, over the live provider session', async () => {
    const login = await stack.jar.fetch(
      `${stack.backend.url}/login?acr_values=${encodeURIComponent(TWO_FACTOR)}&max_age=300`,
    );
    expect(login.status).toBe(302);
    // The provider session has only a password: the login page shows again, then the code page.
    const interaction = await stack.jar.fetch(login.headers.get('location')!);
    expect(interaction.status).toBe(303);
    const page = await stack.jar.fetch(
      new URL(interaction.headers.get('location')!, stack.idp.issuer).href,
    );
    expect(await page.text()).toContain('Sign in');
    const callbackUrl = await signIn(login.headers.get('location')!, ADA, stack.jar);
    const callback = await stack.jar.fetch(callbackUrl);
    expect(callback.status, await callback.clone().text()).toBe(302);
    const principal = await principalOf(stack.jar);
    expect(principal.acr).toBe(TWO_FACTOR);
    expect(() => adminAction(principal)).not.toThrow();
    // The access token carries it too: a Bearer caller passes the same rule.
    const claims = decodeJwt(principal.accessToken());
    expect(claims).toMatchObject({ acr: TWO_FACTOR, amr: ['pwd', 'otp', 'mfa'] });
    const bearer = await stack.backend.gatehouse.authenticate({
      method: 'GET',
      url: '/secure-data',
      headers: { authorization: `Bearer ${principal.accessToken()}` },
    });
    expect(bearer.via).toBe('bearer');
    expect(() => adminAction(bearer)).not.toThrow();
  });

  test('a user without a second factor who asks for one is refused at the callback (weaker acr)', async () => {
    const jar = new CookieJar();
    const callback = await signInThroughBackend(
      { backend: stack.backend, jar },
      { query: `?acr_values=${encodeURIComponent(TWO_FACTOR)}`, credentials: SAM },
    );
    expect(callback.status).toBe(403);
    const html = await callback.text();
    expect(html).toContain('did not sign you in as strongly as this application asked');
    expect(callback.headers.getSetCookie().some((c) => c.startsWith('gatehouse='))).toBe(false);
  });

  test('prompt=none when the step-up needs the user comes back signed out, no error page', async () => {
    const login = await stack.jar.fetch(
      `${stack.backend.url}/login?prompt=none&returnTo=/admin&acr_values=${encodeURIComponent(TWO_FACTOR)}&max_age=0`,
    );
    const callbackUrl = await signIn(login.headers.get('location')!, ADA, stack.jar);
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('login_required');
    const callback = await stack.jar.fetch(callbackUrl);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(
      `${stack.frontendUrl}/admin#gatehouse=signed-out`,
    );
  });

  test('a silent sign-in with a live provider session signs in without a page', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: stack.backend, jar });
    // The app's session ends; the provider's lives on (the browser never went to its logout).
    const logout = await jar.fetch(`${stack.backend.url}/logout`, {
      method: 'POST',
      headers: { 'x-csrf': '1' },
    });
    expect(logout.status).toBe(200);
    expect((await jar.fetch(`${stack.backend.url}/me`)).status).toBe(401);
    const login = await jar.fetch(`${stack.backend.url}/login?prompt=none&returnTo=/orders`);
    const callbackUrl = await signIn(login.headers.get('location')!, ADA, jar);
    expect(new URL(callbackUrl).searchParams.has('code')).toBe(true);
    const callback = await jar.fetch(callbackUrl);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${stack.frontendUrl}/orders`);
  });
});
