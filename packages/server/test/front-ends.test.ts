/**
 * Several front ends on one backend (`FRONTEND_URL=a,b`): CORS, the CSRF origin check,
 * `returnTo`, the popup's message target and sign-out each serve every listed front end, and
 * exactly those. Black box: a real backend and the dev IdP, which has both front ends' sign-out
 * URIs registered.
 */
import { CookieJar, signOut } from '@gatehouse/dev-idp/testing';
import { parseConfig } from '@gatehouse/server';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADA,
  setCookie,
  signInThroughBackend,
  startStack,
  webClient,
  type Framework,
  type Stack,
} from './support/stack.js';

const APP = 'http://localhost:5999';
const ADMIN = 'https://admin.example.com';

/** Origins that look like ADMIN and are not it. */
const LOOK_ALIKES = [
  'https://admin.example.com:8443',
  'http://admin.example.com',
  'https://admin.example.com.evil.example',
  'https://evil-admin.example.com',
  'https://admin.example.co',
  'null',
];

function startTwoFrontEnds(framework: Framework): Promise<Stack> {
  return startStack({
    framework,
    options: { frontendUrl: `${APP}, ${ADMIN}` },
    clients: (backendUrl) => [
      { ...webClient(backendUrl, APP), post_logout_redirect_uris: [APP, ADMIN] },
    ],
  });
}

describe('FRONTEND_URL with several front ends (configuration)', () => {
  const base = {
    issuer: 'https://example.okta.com/oauth2/default',
    clientId: '0oa1',
    clientSecret: 'secret',
    backendUrl: 'https://api.example.com',
    sessionSecret: 'x'.repeat(32),
  };

  test('the first listed is the default front end; each keeps its sign-out URI as written', () => {
    const config = parseConfig({
      ...base,
      frontendUrl: 'https://app.example.com/, https://admin.example.com/console',
    });
    expect(config.frontendUrl.href).toBe('https://app.example.com/');
    expect(config.frontendOrigin).toBe('https://app.example.com');
    expect(config.postLogoutRedirectUri).toBe('https://app.example.com/');
    expect(config.frontends.map((one) => [one.origin, one.postLogoutRedirectUri])).toEqual([
      ['https://app.example.com', 'https://app.example.com/'],
      ['https://admin.example.com', 'https://admin.example.com/console'],
    ]);
  });

  test('one origin listed twice is a ConfigError naming FRONTEND_URL (front ends are told apart by origin)', () => {
    expect(() =>
      parseConfig(
        { ...base, frontendUrl: 'https://app.example.com/a,https://app.example.com/b' },
        { frontendUrl: 'FRONTEND_URL' },
      ),
    ).toThrow(
      'FRONTEND_URL lists the origin https://app.example.com twice: each front end needs an origin of its own',
    );
  });

  test('a malformed entry is a ConfigError naming its position', () => {
    expect(() =>
      parseConfig(
        { ...base, frontendUrl: 'https://app.example.com,https://user@admin.example.com' },
        { frontendUrl: 'FRONTEND_URL' },
      ),
    ).toThrow(
      'FRONTEND_URL (front end 2) must not carry a query, fragment or credentials, got https://user@admin.example.com',
    );
    expect(() =>
      parseConfig({ ...base, frontendUrl: ' , ' }, { frontendUrl: 'FRONTEND_URL' }),
    ).toThrow('FRONTEND_URL is required');
  });
});

describe.each<Framework>(['fastify', 'express'])('two front ends on %s', (framework) => {
  let stack: Stack;
  let cookie: string;
  beforeAll(async () => {
    stack = await startTwoFrontEnds(framework);
    await signInThroughBackend(stack);
    cookie = stack.jar.header(`${stack.backend.url}/`)!;
  });
  afterAll(() => stack.close());

  const preflight = (origin: string) =>
    fetch(`${stack.backend.url}/secure-data`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-csrf',
      },
    });
  const post = (origin: string) =>
    fetch(`${stack.backend.url}/secure-data`, {
      method: 'POST',
      headers: { cookie, origin, 'x-csrf': '1' },
    });

  test('a preflight from the second front end is granted, for its own origin', async () => {
    const response = await preflight(ADMIN);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ADMIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-headers')).toContain('X-CSRF');
  });

  test('a credentialed request from the second front end gets the CORS grant for its origin', async () => {
    const me = await fetch(`${stack.backend.url}/me`, { headers: { cookie, origin: ADMIN } });
    expect(me.status).toBe(200);
    expect(me.headers.get('access-control-allow-origin')).toBe(ADMIN);
    expect(me.headers.get('access-control-allow-credentials')).toBe('true');
    const first = await fetch(`${stack.backend.url}/me`, { headers: { cookie, origin: APP } });
    expect(first.headers.get('access-control-allow-origin')).toBe(APP);
  });

  test.each(LOOK_ALIKES)(
    'a look-alike of the second front end (%s) gets no CORS grant: preflight 403',
    async (origin) => {
      const response = await preflight(origin);
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const me = await fetch(`${stack.backend.url}/me`, { headers: { cookie, origin } });
      expect(me.headers.get('access-control-allow-origin')).toBeNull();
    },
  );

  test('a cookie POST from the second front end with X-CSRF passes the CSRF check', async () => {
    const response = await post(ADMIN);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ changed: true });
    expect(response.headers.get('access-control-allow-origin')).toBe(ADMIN);
  });

  test.each(['https://evil.example', ...LOOK_ALIKES])(
    'a cookie POST with X-CSRF from %s is refused 403 (CSRF)',
    async (origin) => {
      const response = await post(origin);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        error: 'access_denied',
        error_description: 'This request comes from a site that is not allowed to call this API.',
      });
    },
  );
});

describe('sign-in and sign-out with two front ends', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTwoFrontEnds('fastify');
  });
  afterAll(() => stack.close());

  const login = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.backend.url}/login${query}`, { headers, redirect: 'manual' });
  const fresh = () => ({ backend: stack.backend, jar: new CookieJar() });

  test('returnTo absolute on the second front end returns there after sign-in', async () => {
    const returnTo = encodeURIComponent(`${ADMIN}/users?tab=2#top`);
    const callback = await signInThroughBackend(fresh(), { query: `?returnTo=${returnTo}` });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${ADMIN}/users?tab=2#top`);
    expect(setCookie(callback, 'gatehouse')).toBeDefined();
  });

  test.each([
    ['another site', 'https://evil.example/users'],
    ['userinfo before the host', `${ADMIN}@evil.example/`],
    ['userinfo on the front end', 'https://user@admin.example.com/'],
    ['the host as a prefix of another', `${ADMIN}.evil.example/`],
    ['another port', 'https://admin.example.com:8443/'],
    ['http instead of https', 'http://admin.example.com/'],
    ['https instead of http', 'https://localhost:5999/'],
    ['the origin spelled in upper case', 'HTTPS://ADMIN.EXAMPLE.COM/'],
    ['a scheme-relative path after the origin', `${ADMIN}//evil.example`],
    ['a backslash after the origin', `${ADMIN}/\\evil.example`],
    ['dot segments to //host after the origin', `${ADMIN}/..//evil.example`],
    ['a tab in the origin', 'https://admin.exa\tmple.com/'],
  ])('returnTo absolute with %s is 400 (open redirect)', async (_name, value) => {
    const response = await login(`?returnTo=${encodeURIComponent(value)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(setCookie(response, 'gatehouse-tx')).toBeUndefined();
    expect(await response.text()).toContain(
      'returnTo must be a path on this application, such as /account, or a URL on one of its front ends.',
    );
  });

  test('a local returnTo goes back to the front end named by the Referer, else to the default', async () => {
    const viaAdmin = await signInThroughBackend(fresh(), {
      query: '?returnTo=/users',
      headers: { referer: `${ADMIN}/users` },
    });
    expect(viaAdmin.headers.get('location')).toBe(`${ADMIN}/users`);
    const noReferer = await signInThroughBackend(fresh(), { query: '?returnTo=/users' });
    expect(noReferer.headers.get('location')).toBe(`${APP}/users`);
    const foreign = await signInThroughBackend(fresh(), {
      query: '?returnTo=/users',
      headers: { referer: 'https://admin.example.com.evil.example/' },
    });
    expect(foreign.headers.get('location')).toBe(`${APP}/users`);
  });

  /** The popup page's one script and where it posts, checked against its CSP hash. */
  async function popupTarget(response: Response, status = 200): Promise<string> {
    expect(response.status).toBe(status);
    const html = await response.text();
    const scripts = [...html.matchAll(/<script>(.*?)<\/script>/g)].map((match) => match[1]!);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]!).digest('base64');
    expect(response.headers.get('content-security-policy')).toContain(
      `script-src 'sha256-${hash}'`,
    );
    const targets = [...scripts[0]!.matchAll(/postMessage\(d,("[^"]*")\)/g)].map((match) =>
      JSON.parse(match[1]!),
    );
    expect(targets).toHaveLength(1);
    return targets[0];
  }

  test('a popup started from the second front end posts to it only, never to the first', async () => {
    const callback = await signInThroughBackend(fresh(), {
      query: '?popup=1',
      headers: { referer: `${ADMIN}/` },
    });
    expect(await popupTarget(callback.clone())).toBe(ADMIN);
    const html = await callback.text();
    expect(html).not.toContain(APP);
    expect(html).not.toContain('"*"');
  });

  test('a popup whose returnTo is absolute on the second front end posts to it only', async () => {
    const returnTo = encodeURIComponent(`${ADMIN}/users`);
    const callback = await signInThroughBackend(fresh(), {
      query: `?popup=1&returnTo=${returnTo}`,
      headers: { referer: `${APP}/` },
    });
    expect(await popupTarget(callback)).toBe(ADMIN);
  });

  test('a popup started from an unlisted origin posts to the default front end, not to that origin', async () => {
    const callback = await signInThroughBackend(fresh(), {
      query: '?popup=1',
      headers: { referer: 'https://evil.example/' },
    });
    expect(await popupTarget(callback)).toBe(APP);
  });

  test('a popup sign-in that fails tells the front end that started it only', async () => {
    const jar = new CookieJar();
    const start = await jar.fetch(`${stack.backend.url}/login?popup=1`, {
      headers: { referer: `${ADMIN}/` },
    });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const callback = await jar.fetch(
      `${stack.backend.url}/signin-oidc?${new URLSearchParams({ state, error: 'access_denied', iss: stack.idp.issuer })}`,
    );
    expect(await popupTarget(callback, 403)).toBe(ADMIN);
  });

  test('sign-out from the second front end returns there: its post_logout_redirect_uri, registered at the provider', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: stack.backend, jar });
    const logout = await jar.fetch(`${stack.backend.url}/logout`, {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: ADMIN },
    });
    expect(logout.status).toBe(200);
    const { endSessionUrl } = await logout.json();
    const url = new URL(endSessionUrl);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(ADMIN);
    expect(url.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(await signOut(endSessionUrl, jar)).toBe(`${ADMIN}/`);
  });

  test('a form sign-out from the second front end is sent to the provider with its URI', async () => {
    const jar = new CookieJar();
    await signInThroughBackend({ backend: stack.backend, jar });
    const logout = await jar.fetch(`${stack.backend.url}/logout`, {
      method: 'POST',
      headers: { origin: ADMIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(logout.status).toBe(302);
    const url = new URL(logout.headers.get('location')!);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(ADMIN);
  });

  test('sign-out without an Origin, or from the backend itself, returns to the default front end', async () => {
    for (const headers of [{}, { origin: stack.backend.url }] as Record<string, string>[]) {
      const jar = new CookieJar();
      await signInThroughBackend({ backend: stack.backend, jar }, { credentials: ADA });
      const logout = await jar.fetch(`${stack.backend.url}/logout`, {
        method: 'POST',
        headers: { 'x-csrf': '1', ...headers },
      });
      const { endSessionUrl } = await logout.json();
      expect(new URL(endSessionUrl).searchParams.get('post_logout_redirect_uri')).toBe(APP);
    }
  });
});
