import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADA, setCookie, startStack, type Stack } from './support/stack.js';

/** Starts a sign-in and stops at the provider's answer, as an attacker holding it would. */
async function callbackUrlFor(stack: Stack, jar: CookieJar, query = ''): Promise<string> {
  const login = await jar.fetch(`${stack.backend.url}/login${query}`);
  return signIn(login.headers.get('location')!, ADA, jar);
}

/** The last failure Gatehouse logged: what the test's request was refused for. */
function lastFailure(stack: Stack): { code: string; detail: string } {
  return JSON.parse(stack.log.at(-1)!);
}

function expectNoSession(response: Response) {
  expect(setCookie(response, 'gatehouse')).toBeUndefined();
}

describe('a bad callback answers 4xx with a readable page and sets no session', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  test('without the transaction cookie (callback opened in another browser, or login CSRF)', async () => {
    const url = await callbackUrlFor(stack, new CookieJar());
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(
      'This sign-in has expired or was started in another browser.',
    );
    expectNoSession(response);
  });

  test('with a state that belongs to no sign-in started here (login CSRF)', async () => {
    const jar = new CookieJar();
    const url = new URL(await callbackUrlFor(stack, jar));
    url.searchParams.set('state', 'attacker-state');
    const response = await jar.fetch(url);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('does not belong to a sign-in started here');
    expectNoSession(response);
  });

  test('without a state at all', async () => {
    const jar = new CookieJar();
    const url = new URL(await callbackUrlFor(stack, jar));
    url.searchParams.delete('state');
    const response = await jar.fetch(url);
    expect(response.status).toBe(400);
    expectNoSession(response);
  });

  test('without a code', async () => {
    const jar = new CookieJar();
    const url = new URL(await callbackUrlFor(stack, jar));
    url.searchParams.delete('code');
    const response = await jar.fetch(url);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The sign-in response is incomplete.');
    expectNoSession(response);
  });

  test('a replayed code, even with the transaction cookie kept (code replay)', async () => {
    const jar = new CookieJar();
    const url = await callbackUrlFor(stack, jar);
    const transaction = jar.header(url)!;
    expect((await jar.fetch(url)).status).toBe(302);
    const replay = await fetch(url, { headers: { cookie: transaction }, redirect: 'manual' });
    expect(replay.status).toBe(401);
    expect(lastFailure(stack).code).toBe('ERR_GRANT_REJECTED');
    expectNoSession(replay);
  });

  test('an injected code from another sign-in (code injection: PKCE and nonce fail)', async () => {
    const victim = new CookieJar();
    const attacker = new CookieJar();
    const victimUrl = new URL(await callbackUrlFor(stack, victim));
    const attackerUrl = new URL(await callbackUrlFor(stack, attacker));
    victimUrl.searchParams.set('code', attackerUrl.searchParams.get('code')!);
    const response = await victim.fetch(victimUrl);
    expect(response.status).toBe(401);
    expect(lastFailure(stack).code).toBe('ERR_GRANT_REJECTED'); // the provider refuses the PKCE verifier
    expectNoSession(response);
  });

  test('a tampered transaction cookie', async () => {
    const jar = new CookieJar();
    const url = await callbackUrlFor(stack, jar);
    const cookie = jar
      .header(url)!
      .replace(/gatehouse-tx=([^;]+)/, (_m, v: string) => `gatehouse-tx=${v.slice(0, -4)}AAAA`);
    const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
    expect(response.status).toBe(400);
    expectNoSession(response);
  });

  test('an iss parameter naming another issuer (mix-up attack)', async () => {
    const jar = new CookieJar();
    const url = new URL(await callbackUrlFor(stack, jar));
    expect(url.searchParams.get('iss')).toBe(stack.idp.issuer);
    url.searchParams.set('iss', 'https://evil.example/oauth2/default');
    const response = await jar.fetch(url);
    expect(lastFailure(stack).detail).toContain(
      'unexpected "iss" (issuer) response parameter value',
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expectNoSession(response);
  });

  test('an iss parameter missing while the provider advertises it (mix-up attack)', async () => {
    const jar = new CookieJar();
    const url = new URL(await callbackUrlFor(stack, jar));
    url.searchParams.delete('iss');
    const response = await jar.fetch(url);
    expect(lastFailure(stack).detail).toContain('response parameter "iss" (issuer) missing');
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expectNoSession(response);
  });

  test('the provider answers error=access_denied (the user pressed Cancel)', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${stack.backend.url}/login`);
    let response = await jar.fetch(login.headers.get('location')!);
    const interaction = new URL(response.headers.get('location')!, stack.idp.url);
    response = await jar.fetch(`${interaction.href}/cancel`, { method: 'POST' });
    while (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location')!, stack.idp.url);
      if (next.origin !== stack.idp.url) {
        response = await jar.fetch(next);
        break;
      }
      response = await jar.fetch(next);
    }
    expect(response.status).toBe(403);
    const html = await response.text();
    expect(html).toContain('Sign-in was cancelled or access was denied.');
    expect(html).toContain('access_denied');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expectNoSession(response);
  });

  test('provider text in an error is escaped, never HTML (XSS through error_description)', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${stack.backend.url}/login`);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const url = new URL(`${stack.backend.url}/signin-oidc`);
    url.search = new URLSearchParams({
      state,
      error: 'access_denied',
      error_description: '<script>alert(1)</script>',
      iss: stack.idp.issuer,
    }).toString();
    const response = await jar.fetch(url);
    expect(response.status).toBe(403);
    const html = await response.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  test.each([
    ['https://evil.example', 'absolute URL'],
    ['//evil.example', 'scheme-relative URL'],
    ['/\\evil.example', 'backslash'],
    ['javascript:alert(1)', 'javascript: URL'],
  ])('/login?returnTo=%s (open redirect through %s) is a 400 page', async (returnTo) => {
    const response = await fetch(
      `${stack.backend.url}/login?returnTo=${encodeURIComponent(returnTo)}`,
      {
        redirect: 'manual',
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('returnTo must be a path on this application');
  });

  test('a tampered session cookie is a 401, not a session', async () => {
    const response = await fetch(`${stack.backend.url}/me`, {
      headers: { cookie: `gatehouse=${'A'.repeat(43)}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="invalid_token"',
    );
  });

  test('the transaction cookie stays bounded under a flood of /login (no header-too-large lock-out)', async () => {
    const jar = new CookieJar();
    for (let i = 0; i < 50; i++)
      await jar.fetch(`${stack.backend.url}/login?returnTo=/${'a'.repeat(400)}`);
    const cookie = jar.header(`${stack.backend.url}/`)!;
    expect(cookie.length).toBeLessThan(4096);
    // The three most recent sign-ins still complete.
    const url = await callbackUrlFor(stack, jar);
    expect((await jar.fetch(url)).status).toBe(302);
  });
});
