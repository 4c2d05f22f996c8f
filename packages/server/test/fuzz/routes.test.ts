/**
 * Property-based tests of every route a browser (or an attacker posing as one) can reach, with
 * arbitrary queries, cookies, headers and bodies: never a 5xx, never an unexpected error in the
 * log, never a session the request did not earn.
 */
import { createGatehouse, type Gatehouse } from '@gatehouse/server';
import fc from 'fast-check';
import { pino } from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readTarget } from '../../src/http/target.js';
import { HostileProvider } from '../hostile/provider.js';
import {
  BACKEND_URL,
  cookieHeader,
  expectNoSessionStarted,
  FRONTEND_URL,
  fuzzOptions,
  injectableApp,
  listeningAdapters,
  rawRequest,
  setCookies,
  signInSession,
  type InjectableApp,
  type ListeningAdapters,
} from './app.js';

const RUNS = { numRuns: 200 };

let hostile: HostileProvider;
let target: InjectableApp;
beforeAll(async () => {
  hostile = await HostileProvider.start();
  target = await injectableApp(hostile);
});
afterAll(async () => {
  await target.close();
  await hostile.close();
});

/** Strings an attacker would try first, on top of random ones. */
const NASTY = [
  '',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE gatehouse_sessions; --",
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '\u0000',
  '\r\nSet-Cookie: gatehouse=forged',
  '__proto__',
  'constructor',
  'javascript:alert(1)',
  '//evil.example',
  'https://evil.example',
  '/\\evil.example',
  '../../../etc/passwd',
  '{"a":1}',
  '[]',
  'null',
  '🦀'.repeat(50),
  'a'.repeat(5000),
];

/** Text as it may reach a query parameter: anything at all. */
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...NASTY),
);

/** Header values as an HTTP parser lets them through: printable ASCII and Latin-1. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c < 0x7f || c > 0x9f)
      .map((c) => String.fromCharCode(c)),
    maxLength: 60,
  }),
  fc.constantFrom(...NASTY.filter((text) => /^[\x20-\x7e]*$/.test(text))),
);

/** One cookie pair with no `;` in it (what a browser would send back). */
const cookiePair = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('gatehouse-tx', 'gatehouse_tx', 'tx', 'session', 'Gatehouse'),
      fc.string({ maxLength: 12 }),
    ),
    headerValue,
  )
  .map(([name, value]) => `${name}=${value}`.replace(/;/g, ''));

const queryKey = fc.oneof(
  fc.constantFrom(
    'state',
    'code',
    'iss',
    'error',
    'error_description',
    'error_uri',
    'returnTo',
    'popup',
    'id_token',
    'token',
    'response',
    'session_state',
    '__proto__',
  ),
  fc.string({ maxLength: 10 }),
);

const queryPairs = fc.array(fc.tuple(queryKey, anyText), { maxLength: 6 });

function query(pairs: [string, string][]): string {
  return new URLSearchParams(pairs).toString();
}

/** Markup an injected value put in a page comes back escaped (values long enough to tell). */
function expectEscaped(body: string, values: string[]) {
  for (const value of values) {
    if (value.includes('<') && value.length >= 8) expect(body).not.toContain(value);
  }
}

/** Gatehouse logged no bug (anything not a GatehouseError is logged as "unexpected error"). */
function expectNoUnexpectedError(from: number) {
  const lines = target.log.slice(from).filter((line) => line.includes('unexpected error'));
  expect(lines).toEqual([]);
}

function expectNot5xx(response: LightMyRequestResponse) {
  expect(response.statusCode, response.body.slice(0, 500)).toBeLessThan(500);
}

describe('GET /login with arbitrary queries and cookies', () => {
  test('is a redirect to the provider or a 400 page, never a 5xx or a session', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        queryPairs,
        fc.array(cookiePair, { maxLength: 4 }),
        async (pairs, cookies) => {
          const from = target.log.length;
          const response = await target.app.inject({
            method: 'GET',
            url: `/login?${query(pairs)}`,
            headers: cookies.length ? { cookie: cookies.join('; ') } : {},
          });
          expectNot5xx(response);
          seen.add(response.statusCode);
          expect([302, 400]).toContain(response.statusCode);
          expect(response.headers['cache-control']).toBe('no-store');
          expectNoSessionStarted(response);
          if (response.statusCode === 302) {
            expect(String(response.headers.location)).toMatch(
              new RegExp(`^${hostile.issuer}/authorize\\?`),
            );
            const tx = setCookies(response).find((line) => line.startsWith('gatehouse-tx='));
            expect(tx).toMatch(/HttpOnly; SameSite=Lax/);
            expect(tx!.length).toBeLessThan(4096);
          } else {
            expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
            expectEscaped(
              response.body,
              pairs.map(([, value]) => value),
            );
          }
          expect(target.store.size).toBe(0);
          expectNoUnexpectedError(from);
        },
      ),
      RUNS,
    );
    expect([...seen].sort()).toEqual([302, 400]); // the runs reached both outcomes
  });
});

/** A parameter of the authorization response: the real value, a forged one, or absent. */
const REAL = Symbol('real');
const responseParameter = fc.option(fc.oneof(fc.constant(REAL), anyText), { nil: undefined });

describe('GET /signin-oidc with arbitrary queries and cookies', () => {
  test('is a 4xx page, never a 5xx or a session, whatever mix of real and forged parameters', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          state: responseParameter,
          iss: responseParameter,
          code: fc.option(anyText, { nil: undefined }),
          error: fc.option(
            fc.oneof(fc.constantFrom('access_denied', 'login_required', 'server_error'), anyText),
            { nil: undefined },
          ),
          extra: queryPairs,
          keepTransaction: fc.boolean(),
          popup: fc.boolean(),
          cookies: fc.array(cookiePair, { maxLength: 3 }),
        }),
        async ({ state, iss, code, error, extra, keepTransaction, popup, cookies }) => {
          const from = target.log.length;
          const login = await target.app.inject({
            method: 'GET',
            url: popup ? '/login?popup=1' : '/login',
          });
          const real = {
            state: new URL(String(login.headers.location)).searchParams.get('state')!,
            iss: hostile.issuer,
          };
          const params: [string, string][] = [];
          if (state !== undefined) params.push(['state', state === REAL ? real.state : state]);
          if (iss !== undefined) params.push(['iss', iss === REAL ? real.iss : iss]);
          if (code !== undefined) params.push(['code', code]);
          if (error !== undefined) params.push(['error', error]);
          params.push(...extra);
          const cookie = [...(keepTransaction ? [cookieHeader(login)] : []), ...cookies].join('; ');
          const response = await target.app.inject({
            method: 'GET',
            url: `/signin-oidc?${query(params)}`,
            headers: cookie ? { cookie } : {},
          });
          expectNot5xx(response);
          seen.add(response.statusCode);
          expect(response.statusCode).toBeGreaterThanOrEqual(400);
          expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
          expect(response.headers['cache-control']).toBe('no-store');
          expectNoSessionStarted(response);
          expectEscaped(
            response.body,
            params.map(([, value]) => value),
          );
          expect(target.store.size).toBe(0);
          expectNoUnexpectedError(from);
        },
      ),
      RUNS,
    );
    // Refused by Gatehouse's own checks (400), by openid-client's or the provider's (401), and
    // provider errors (403): the runs reached every layer.
    expect([...seen].sort()).toEqual(expect.arrayContaining([400, 401, 403]));
  });
});

test.each(['token', 'id_token'])(
  'a callback smuggling the implicit-flow parameter %s is a 401 page, not a 502 (found by the fuzz above)',
  async (parameter) => {
    const login = await target.app.inject({ method: 'GET', url: '/login' });
    const state = new URL(String(login.headers.location)).searchParams.get('state')!;
    const params = { state, iss: hostile.issuer, code: 'x', [parameter]: 'forged' };
    const calls = hostile.callsTo('token').length;
    const response = await target.app.inject({
      method: 'GET',
      url: `/signin-oidc?${new URLSearchParams(params)}`,
      headers: { cookie: cookieHeader(login) },
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('failed a security check');
    expect(hostile.callsTo('token')).toHaveLength(calls);
  },
);

const ORIGINS = [
  FRONTEND_URL,
  BACKEND_URL,
  'https://evil.example',
  'null',
  `${FRONTEND_URL}.evil.example`,
];
const originHeader = fc.option(fc.oneof(fc.constantFrom(...ORIGINS), headerValue), {
  nil: undefined,
});
const csrfHeader = fc.option(fc.oneof(fc.constant('1'), headerValue), { nil: undefined });

/** What the CSRF rule (docs/security.md) lets through: X-CSRF: 1 and our Origin (or none); a form needs our Origin. */
function csrfAllows(headers: Record<string, string | undefined>): boolean {
  const ours = headers.origin === FRONTEND_URL || headers.origin === BACKEND_URL;
  const form = String(headers['content-type']).startsWith('application/x-www-form-urlencoded');
  if (form && headers['x-csrf'] === undefined) return ours;
  return (headers.origin === undefined || ours) && headers['x-csrf'] === '1';
}

function defined(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

describe('POST /logout with arbitrary headers, bodies and content types', () => {
  test('signs out exactly the requests the CSRF rule allows, never a 5xx or a session', async () => {
    let session = await signInSession(target.app);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          origin: originHeader,
          csrf: csrfHeader,
          contentType: fc.option(
            fc.oneof(
              fc.constantFrom(
                'application/x-www-form-urlencoded',
                'application/x-www-form-urlencoded; charset=utf-8',
                'text/plain',
                'multipart/form-data; boundary=x',
                'application/json',
                'application/xml',
                'application/octet-stream',
              ),
              headerValue,
            ),
            { nil: undefined },
          ),
          body: fc.option(fc.oneof(anyText, fc.string({ minLength: 4000, maxLength: 6000 })), {
            nil: undefined,
          }),
          withSession: fc.boolean(),
          cookies: fc.array(cookiePair, { maxLength: 3 }),
        }),
        async ({ origin, csrf, contentType, body, withSession, cookies }) => {
          const from = target.log.length;
          const headers = { origin, 'x-csrf': csrf, 'content-type': contentType };
          const cookie = [...(withSession ? [`gatehouse=${session}`] : []), ...cookies].join('; ');
          const response = await target.app.inject({
            method: 'POST',
            url: '/logout',
            headers: defined({ ...headers, cookie: cookie || undefined }),
            ...(body !== undefined && { payload: body }),
          });
          expectNot5xx(response);
          expectNoSessionStarted(response);
          expectNoUnexpectedError(from);
          seen.add(`${response.statusCode} ${withSession && target.store.size === 0 ? 'out' : ''}`);
          if ([400, 413, 415].includes(response.statusCode)) {
            // Fastify refused the body before Gatehouse saw the request.
            expect(target.store.size).toBe(1);
            return;
          }
          if (csrfAllows(headers)) {
            expect([200, 302]).toContain(response.statusCode);
            expect(target.store.size).toBe(withSession ? 0 : 1);
          } else {
            expect(response.statusCode).toBe(403);
            expect(JSON.parse(response.body).error).toBe('access_denied');
            expect(target.store.size).toBe(1);
          }
          if (target.store.size === 0) session = await signInSession(target.app);
        },
      ),
      {
        ...RUNS,
        // Pin the outcomes the coverage check below expects, on top of the random runs.
        examples: [
          [
            {
              origin: FRONTEND_URL,
              csrf: undefined,
              contentType: 'application/x-www-form-urlencoded',
              body: 'a=1',
              withSession: true,
              cookies: [],
            },
          ],
          [
            {
              origin: undefined,
              csrf: '1',
              contentType: undefined,
              body: undefined,
              withSession: true,
              cookies: [],
            },
          ],
          [
            {
              origin: 'https://evil.example',
              csrf: '1',
              contentType: 'text/plain',
              body: 'x',
              withSession: true,
              cookies: [],
            },
          ],
        ],
      },
    );
    expect([...seen]).toEqual(expect.arrayContaining(['200 out', '302 out', '403 ']));
  });
});

describe('the guarded routes with arbitrary cookies and headers', () => {
  test('answer 200 only to the live session (with CSRF on unsafe methods), otherwise 401/403, never a 5xx', async () => {
    const session = await signInSession(target.app);
    const sessions = target.store.size;
    const seen = new Set<number>();
    const sessionCookie = fc.constantFrom(
      `gatehouse=${session}`,
      `gatehouse=${session} `,
      `gatehouse=${session}x`,
      `gatehouse="${session}"`,
      `Gatehouse=${session}`,
      `gatehouse =${session}`,
      `__Host-gatehouse=${session}`,
      `gatehouse=${session.slice(0, -1)}A`,
      `gatehouse=${'A'.repeat(43)}`,
      'gatehouse=',
      'gatehouse',
    );
    const authorization = fc.option(
      fc.oneof(
        fc.constantFrom(
          'Bearer',
          'bearer ',
          'Basic Zm9vOmJhcg==',
          'Bearer a.b.c',
          'Bearer eyJhbGciOiJub25lIn0.e30.',
        ),
        fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((token) => `Bearer ${token}`),
        fc
          .tuple(fc.base64String(), fc.base64String(), fc.base64String())
          .map((parts) => `Bearer ${parts.map((part) => part.replace(/=+$/, '')).join('.')}`),
        headerValue,
      ),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'HEAD', 'POST'),
          path: fc.constantFrom('/secure-data', '/me'),
          cookies: fc.array(fc.oneof(sessionCookie, cookiePair), { maxLength: 4 }),
          authorization,
          origin: originHeader,
          csrf: csrfHeader,
        }),
        async ({ method, path, cookies, authorization, origin, csrf }) => {
          const from = target.log.length;
          if (path === '/me' && method === 'POST') path = '/secure-data';
          const headers = defined({
            cookie: cookies.length ? cookies.join('; ') : undefined,
            authorization,
            origin,
            'x-csrf': csrf,
          });
          const response = await target.app.inject({ method, url: path, headers });
          expectNot5xx(response);
          seen.add(response.statusCode);
          expect(setCookies(response)).toEqual([]);
          expectNoUnexpectedError(from);

          const bearer = authorization !== undefined && /^bearer(?: |$)/i.test(authorization);
          const first = cookies
            .map((pair) => pair.trimStart())
            .find((pair) => pair.startsWith('gatehouse='));
          const id = first?.slice('gatehouse='.length).trim();
          let expected: number;
          if (bearer) expected = 401;
          else if (!id) expected = 401;
          else if (method === 'POST' && !csrfAllows({ origin, 'x-csrf': csrf })) expected = 403;
          else expected = id === session ? 200 : 401;
          expect(response.statusCode).toBe(expected);
          if (origin === FRONTEND_URL) {
            expect(response.headers['access-control-allow-origin']).toBe(FRONTEND_URL);
          } else {
            expect(response.headers['access-control-allow-origin']).toBeUndefined();
          }
        },
      ),
      {
        ...RUNS,
        examples: [
          [
            {
              method: 'GET',
              path: '/secure-data',
              cookies: [`gatehouse=${session}`],
              authorization: undefined,
              origin: undefined,
              csrf: undefined,
            },
          ],
          [
            {
              method: 'POST',
              path: '/secure-data',
              cookies: [`gatehouse=${session}`],
              authorization: undefined,
              origin: undefined,
              csrf: undefined,
            },
          ],
        ],
      },
    );
    expect(target.store.size).toBe(sessions);
    expect([...seen].sort()).toEqual([200, 401, 403]);
  });
});

describe('CORS preflights from arbitrary origins', () => {
  test('are granted to FRONTEND_URL’s exact origin only, never reflected (look-alike origins)', async () => {
    const lookAlikes = [
      FRONTEND_URL,
      `${FRONTEND_URL}/`,
      FRONTEND_URL.toUpperCase(),
      FRONTEND_URL.replace('http:', 'https:'),
      `${FRONTEND_URL}0`,
      `${FRONTEND_URL}.evil.example`,
      FRONTEND_URL.replace('localhost', 'localhost.evil.example'),
      'null',
      BACKEND_URL,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...lookAlikes), headerValue),
        fc.constantFrom('/secure-data', '/me', '/logout', '/login'),
        async (origin, path) => {
          const response = await target.app.inject({
            method: 'OPTIONS',
            url: path,
            headers: {
              origin,
              'access-control-request-method': 'POST',
              'access-control-request-headers': 'x-csrf',
            },
          });
          if (origin === FRONTEND_URL) {
            expect(response.statusCode).toBe(204);
            expect(response.headers['access-control-allow-origin']).toBe(FRONTEND_URL);
          } else {
            expect(response.statusCode).toBe(403);
            expect(response.headers['access-control-allow-origin']).toBeUndefined();
            expect(response.headers['access-control-allow-credentials']).toBeUndefined();
          }
        },
      ),
      { ...RUNS, examples: [[FRONTEND_URL, '/secure-data']] },
    );
  });
});

/**
 * A body that tells how the server is built: a stack trace (Express's default error page prints
 * one outside production), a file path, a JavaScript error's name or message. Patterns that the
 * request itself holds (`sent`) are skipped: a 404 may echo the path it did not find.
 */
function expectNoInternals(body: string, sent = '') {
  const leaks = [
    /\n\s*at \S/, // a stack frame
    /&nbsp;at /, // a stack frame in Express's HTML error page
    /\bat (?:new )?[\w$.<>]+ \(/, // "at fn (" anywhere
    /\.[cm]?[jt]sx?:\d+/, // file:line
    /node_modules|node:internal/,
    /\b(?:Type|Range|Reference|Syntax)Error\b/,
    /Invalid URL|ERR_INVALID_URL/,
  ];
  for (const leak of leaks) {
    if (!leak.test(sent)) expect(body, body.slice(0, 500)).not.toMatch(leak);
  }
  expect(body).not.toContain(process.cwd());
}

describe('readTarget, the one reader of request targets', () => {
  const absolute = fc
    .tuple(
      fc.constantFrom('http', 'https', 'HTTP', 'ftp', 'javascript', 'file', 'ws', 'x-y+z'),
      fc.oneof(
        fc.constantFrom(
          'a:99999',
          'a:-1',
          'a:1x',
          '[::1',
          '[zz]',
          'u:p@host',
          '',
          'localhost:7999',
        ),
        fc.string({ maxLength: 20 }),
      ),
      fc.oneof(fc.constantFrom('/login', '/signin-oidc?code=a&state=b', '', '?x', '#f'), anyText),
    )
    .map(([scheme, authority, rest]) => `${scheme}://${authority}${rest}`);

  test('never throws, whatever the target, and keeps only what a route may read', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          absolute,
          anyText.map((text) => `/${text}`),
          anyText.map((t) => `//${t}`),
        ),
        (url) => {
          const target = readTarget(url);
          if (target === undefined) return;
          expect(target.path.startsWith('/')).toBe(true);
          expect(target.search === '' || target.search.startsWith('?')).toBe(true);
          expect(target.path + target.search).not.toMatch(/#/);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test.each([
    ['/signin-oidc?code=a&state=b', '/signin-oidc', 'a'],
    ['http://localhost:7999/signin-oidc?code=a&state=b', '/signin-oidc', 'a'],
    ['https://LOCALHOST/signin-oidc?code=a', '/signin-oidc', 'a'],
    ['http://a:99/signin-oidc?code=%zz', '/signin-oidc', '%zz'],
    ['//double/signin-oidc?code=a', '//double/signin-oidc', 'a'],
    ['http://host?code=a', '/', 'a'],
    ['/login#code=a', '/login', null],
  ])('reads %s as path %s, code %s', (url, path, code) => {
    const target = readTarget(url);
    expect(target?.path).toBe(path);
    expect(target?.query.get('code')).toBe(code);
  });

  test.each([
    'http://a:99999/signin-oidc?code=a&state=b',
    'https://a:-1/login',
    'http://[::1/login',
    'http://user:pass@localhost/login',
    'http:///login',
    'ftp://x/login',
    'javascript://x/%0aalert(1)',
    'file:///etc/passwd',
    '*',
    'login',
    'localhost:7999',
  ])('%s is malformed', (url) => {
    expect(readTarget(url)).toBeUndefined();
  });
});

describe('a malformed request target on every route of the core', () => {
  let gatehouse: Gatehouse;
  beforeAll(() => {
    gatehouse = createGatehouse({ ...fuzzOptions(hostile), logger: pino({ level: 'silent' }) });
  });
  afterAll(() => gatehouse?.close());

  test.each(['login', 'callback', 'logout', 'me', 'backchannelLogout', 'sessions', 'endDevice'])(
    '%s answers 400 invalid_request, not a 500',
    async (name) => {
      const route = gatehouse.routes.find((candidate) => candidate.name === name)!;
      for (const url of ['http://a:99999/x?code=a&state=b', '*', 'ftp://x/y', '//a:99999/x']) {
        const response = await route.handler({ method: 'GET', url, headers: {} });
        if (url === '//a:99999/x') {
          // A valid origin form (an empty first segment): read, never thrown on.
          expect(response.status).toBeLessThan(500);
          continue;
        }
        expect(response.status).toBe(400);
        expect(response.body).toContain('invalid_request');
        expectNoInternals(response.body ?? '');
      }
    },
  );
});

describe('request targets only a socket can send, on Fastify and Express', () => {
  let listening: ListeningAdapters;
  beforeAll(async () => {
    listening = await listeningAdapters(hostile);
  });
  afterAll(() => listening?.close());

  const PATHS = [
    '/login',
    '/signin-oidc',
    '/logout',
    '/me',
    '/backchannel-logout',
    '/sessions',
    '/sessions/abc',
    '/secure-data',
  ];
  /** Each way a request line can carry its target, legal or not. */
  const FORMS: Record<string, (path: string, query: string) => string> = {
    origin: (path, query) => `${path}?${query}`,
    absolute: (path, query) => `http://localhost:7999${path}?${query}`,
    'absolute, bad port': (path, query) => `http://a:99999${path}?${query}`,
    'absolute, negative port': (path, query) => `https://a:-1${path}?${query}`,
    'absolute, bad host': (path, query) => `http://[::1${path}?${query}`,
    'absolute, userinfo': (path, query) => `http://user:pass@localhost${path}?${query}`,
    'absolute, no host': (path, query) => `http://${path}?${query}`,
    'double slash': (path, query) => `/${path}?${query}`,
    'double slash, bad authority': (path, query) => `//a:99999${path}?${query}`,
    'bad escape in the path': (path, query) => `${path}%zz?${query}`,
    'bad escapes in the query': (path, query) => `${path}?%zz=%&code=%E0%A4%A&${query}`,
    'non-http scheme': (path, query) => `ftp://x${path}?${query}`,
    'javascript scheme': (path) => `javascript://x${path}?%0aalert(1)`,
    'file scheme': () => 'file:///etc/passwd',
    asterisk: () => '*',
    'no leading slash': (path, query) => `${path.slice(1)}?${query}`,
    'very long query': (path, query) => `${path}?${query}&x=${'a'.repeat(20_000)}`,
    'long, under the header limit': (path, query) => `${path}?${query}&x=${'%zz'.repeat(3000)}`,
    'very long path': (path) => `${path}/${'a/'.repeat(10_000)}`,
  };

  test('never a 5xx, a stack trace or a file path, whatever the target', async () => {
    const seen = new Set<number>();
    let gatehouseRefusals = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          form: fc.constantFrom(...Object.keys(FORMS)),
          method: fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD'),
          path: fc.constantFrom(...PATHS),
          pairs: queryPairs,
          origin: fc.option(fc.constantFrom(FRONTEND_URL, 'https://evil.example'), {
            nil: undefined,
          }),
        }),
        async ({ form, method, path, pairs, origin }) => {
          const from = listening.log.length;
          const requestTarget = FORMS[form]!(path, query(pairs));
          for (const { name, port } of listening.adapters) {
            const response = await rawRequest(port, method, requestTarget, {
              ...(origin && { origin }),
              ...(method === 'POST' && { 'content-length': '0' }),
            });
            const context = `${name}: ${method} ${requestTarget.slice(0, 200)} -> ${response.status}\n${response.body.slice(0, 300)}`;
            expect(response.status, context).toBeGreaterThanOrEqual(200);
            expect(response.status, context).toBeLessThan(500);
            expectNoInternals(response.head, requestTarget);
            expectNoInternals(response.body, requestTarget);
            seen.add(response.status);
            if (response.status === 400 && response.body.includes('invalid_request')) {
              gatehouseRefusals++;
            }
          }
          const bugs = listening.log
            .slice(from)
            .filter((line) => line.includes('unexpected error'));
          expect(bugs).toEqual([]);
        },
      ),
      {
        ...RUNS,
        examples: [
          [
            {
              form: 'absolute, bad port',
              method: 'GET',
              path: '/signin-oidc',
              pairs: [
                ['code', 'a'],
                ['state', 'b'],
              ],
              origin: undefined,
            },
          ],
          [{ form: 'absolute', method: 'GET', path: '/login', pairs: [], origin: undefined }],
          // Found by this property: Express could not decode the :id parameter and answered 500.
          [
            {
              form: 'bad escape in the path',
              method: 'DELETE',
              path: '/sessions/abc',
              pairs: [],
              origin: undefined,
            },
          ],
        ],
      },
    );
    // Gatehouse itself refused malformed targets (not only the HTTP parser or the router), and
    // well-formed absolute ones went through (302 to the provider).
    expect(gatehouseRefusals).toBeGreaterThan(0);
    expect([...seen]).toEqual(expect.arrayContaining([302, 400, 401, 404]));
  });

  test.each(['fastify', 'express'])(
    '%s: GET http://a:99999/signin-oidc?code=a&state=b is a 400, not a stack trace (issue 11)',
    async (name) => {
      const { port } = listening.adapters.find((adapter) => adapter.name === name)!;
      const response = await rawRequest(port, 'GET', 'http://a:99999/signin-oidc?code=a&state=b');
      expect(response.status).toBe(400);
      expectNoInternals(response.body);
      if (name === 'express') {
        // Express routes it by its path: Gatehouse answers, with its own page.
        expect(response.head).toMatch(/content-type: text\/html; charset=utf-8/i);
        expect(response.body).toContain('<code>invalid_request</code>');
      }
    },
  );

  test('Express: a form body Gatehouse refuses is Gatehouse JSON, not Express’s error page', async () => {
    const { port } = listening.adapters.find((adapter) => adapter.name === 'express')!;
    const body = `logout_token=${'a'.repeat(20_000)}`;
    const tooLarge = await rawRequest(
      port,
      'POST',
      '/backchannel-logout',
      {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
      },
      body,
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.head).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(tooLarge.body).error).toBe('invalid_request');
    expectNoInternals(tooLarge.body);
    const badCharset = await rawRequest(port, 'POST', '/backchannel-logout', {
      'content-type': 'application/x-www-form-urlencoded; charset=klingon',
      'content-length': '0',
    });
    expect(badCharset.status).toBe(400); // read as UTF-8: no logout_token in an empty body
    expect(badCharset.head).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(badCharset.body).error).toBe('invalid_request');
    expectNoInternals(badCharset.body);
  });
});
