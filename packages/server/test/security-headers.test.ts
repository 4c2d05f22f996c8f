/**
 * Headers that keep Gatehouse's own pages and answers from being framed, sniffed, cached or
 * leaking the authorization code in a Referer: checked on every HTML page the backend serves
 * and on every auth response.
 */
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { popupPages } from '../src/oidc/pages.js';
import { HostileProvider, type Mode } from './hostile/provider.js';
import {
  FRONTEND_URL,
  signIn,
  startRelyingParty,
  type RelyingParty,
} from './hostile/relying-party.js';
import { freePort } from './support/stack.js';

let hostile: HostileProvider;
let rp: RelyingParty;
/** A backend whose provider never answers: its pages are the outage pages. */
let orphan: RelyingParty;
beforeAll(async () => {
  hostile = await HostileProvider.start();
  rp = await startRelyingParty(hostile);
  const nowhere = await freePort();
  orphan = await startRelyingParty(
    { issuer: `http://localhost:${nowhere}/hostile` } as HostileProvider,
    { httpTimeout: 1 },
  );
});
afterAll(async () => {
  await rp.close();
  await orphan.close();
  await hostile.close();
});

/** A callback the hostile provider answered in `mode` (and, for popups, with popup=1). */
async function callback(mode: Mode, query = ''): Promise<Response> {
  hostile.mode = mode;
  try {
    const { callback } = await signIn(rp, { query });
    return callback!;
  } finally {
    hostile.mode = 'honest';
  }
}

async function signedInJar(): Promise<CookieJar> {
  const { jar, callback } = await signIn(rp);
  expect(callback?.status).toBe(302);
  return jar;
}

/** Every HTML page Gatehouse serves, with the status it should have. */
const PAGES: [string, number, () => Promise<Response>][] = [
  [
    '/login with a foreign returnTo (error page)',
    400,
    () => fetch(`${rp.url}/login?returnTo=//evil.example`, { redirect: 'manual' }),
  ],
  [
    '/login while the provider is down (error page)',
    503,
    () => fetch(`${orphan.url}/login`, { redirect: 'manual' }),
  ],
  [
    '/signin-oidc without a transaction (error page)',
    400,
    () => fetch(`${rp.url}/signin-oidc?code=x&state=y`, { redirect: 'manual' }),
  ],
  ['/signin-oidc refused by a security check (error page)', 401, () => callback('iss-param-other')],
  [
    '/signin-oidc with error=access_denied (error page)',
    403,
    async () => {
      const jar = new CookieJar();
      const login = await jar.fetch(`${rp.url}/login`);
      const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
      const query = new URLSearchParams({ state, iss: hostile.issuer, error: 'access_denied' });
      return jar.fetch(`${rp.url}/signin-oidc?${query}`);
    },
  ],
  ['the popup page after a sign-in', 200, () => callback('honest', '?popup=1')],
  ['the popup page after a refused sign-in', 401, () => callback('iss-param-other', '?popup=1')],
];

describe.each(PAGES)('%s', (_name, status, open) => {
  let response: Response;
  let html: string;
  beforeAll(async () => {
    response = await open();
    html = await response.text();
  });

  test(`is a ${status} HTML page`, () => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  test('has a strict CSP: default-src none, no inline script but its own hashed one (XSS)', () => {
    const csp = response.headers.get('content-security-policy')!;
    const directives = new Map(
      csp.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name!, values];
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    const scripts = directives.get('script-src')!;
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain("'unsafe-eval'");
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
    expect(scripts).toEqual(
      inline.length === 0
        ? ["'none'"]
        : inline.map((code) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`),
    );
  });

  test("cannot be framed: frame-ancestors 'none' and X-Frame-Options DENY (clickjacking)", () => {
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  test('sends no Referer onwards (the code in the URL does not leak) and is not sniffed or cached', () => {
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

test('the popup page posts to FRONTEND_URL’s origin only and holds no token', async () => {
  const html = await (await callback('honest', '?popup=1')).text();
  expect(html).toContain(`postMessage(d,${JSON.stringify(new URL(FRONTEND_URL).origin)})`);
  expect(html).not.toContain('"*"');
  expect(html).not.toMatch(/ey[\w-]+\.ey/);
});

test('the callback’s redirect to the front end sends no Referer either (the code does not leak)', async () => {
  const response = await callback('honest');
  expect(response.status).toBe(302);
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
});

test('two popup pages never share their headers (one user’s session cookie cannot ride on another’s page)', () => {
  // The callback sets Set-Cookie on the page it returns; a headers object shared between
  // pages would carry one browser's session cookie to the next page served.
  const pages = popupPages(new URL(FRONTEND_URL).origin, `${FRONTEND_URL}/`);
  const first = pages.signedIn();
  first.headers['set-cookie'] = 'gatehouse=first-users-session';
  expect(pages.signedIn().headers['set-cookie']).toBeUndefined();
  expect(pages.failed(401, 'invalid_token', 'no').headers['set-cookie']).toBeUndefined();
});

describe('Cache-Control: no-store on every auth response (RFC 9700 4.16, no cached identity)', () => {
  const cases: [string, number, () => Promise<Response>][] = [
    ['GET /login', 302, () => fetch(`${rp.url}/login`, { redirect: 'manual' })],
    ['GET /signin-oidc, signed in', 302, () => callback('honest')],
    ['GET /me, signed in', 200, async () => (await signedInJar()).fetch(`${rp.url}/me`)],
    ['GET /me, signed out', 401, () => fetch(`${rp.url}/me`)],
    ['GET /secure-data, signed out', 401, () => fetch(`${rp.url}/secure-data`)],
    [
      'POST /secure-data without X-CSRF',
      403,
      async () => (await signedInJar()).fetch(`${rp.url}/secure-data`, { method: 'POST' }),
    ],
    [
      'POST /logout (JSON)',
      200,
      async () =>
        (await signedInJar()).fetch(`${rp.url}/logout`, {
          method: 'POST',
          headers: { 'x-csrf': '1' },
        }),
    ],
    [
      'POST /logout (form)',
      302,
      async () =>
        (await signedInJar()).fetch(`${rp.url}/logout`, {
          method: 'POST',
          headers: { origin: FRONTEND_URL, 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
        }),
    ],
    [
      'POST /logout refused (CSRF)',
      403,
      () => fetch(`${rp.url}/logout`, { method: 'POST', redirect: 'manual' }),
    ],
  ];
  test.each(cases)('%s (%i)', async (_name, status, send) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
