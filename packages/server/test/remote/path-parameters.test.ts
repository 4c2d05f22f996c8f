/**
 * `;` path parameters: Tomcat, Jetty and Spring cut them off a segment before they resolve dot
 * segments, so `/api/orders/..;/admin` reaches `/admin` there. Every spelling of a dot segment
 * with parameters is refused 400 before anything is sent, plain or percent-encoded, the `;`
 * literal or encoded; a segment that merely carries parameters still goes up verbatim.
 */
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import { request } from 'node:http';
import { describe, expect, test } from 'vitest';
import { parseRemoteApis } from '../../src/config/remote-apis.js';
import { upstreamUrl } from '../../src/remote/request.js';
import { startExpress5, startFastify, startHono } from '../conformance/starters.js';
import { world, type Start, type World } from '../conformance/suite.js';
import { remoteApiOptions, type Upstream } from './upstream.js';
import { upstreamFixture } from '../conformance/remote.js';

const [api] = parseRemoteApis(
  [{ path: '/api/orders', upstream: 'http://orders.internal/v1', resource: 'api://orders' }],
  'remoteApis',
);

/** `.` and `..` as a client may spell them: plain, `%2e`, `%2E`, and every mix. */
const DOT = ['.', '%2e', '%2E'];
const DOTS = DOT.flatMap((first) => DOT.map((second) => first + second));
const SEMICOLONS = [';', '%3b', '%3B'];
const PARAMETERS = ['', 'x', 'jsessionid=x', 'a=b;c=d', '=', ';'];

/** Every dot segment with parameters, at the start, in the middle and at the end of the path. */
const CLIMBS = [...DOT, ...DOTS].flatMap((dots) =>
  SEMICOLONS.flatMap((semicolon) =>
    PARAMETERS.flatMap((parameters) => {
      const segment = `${dots}${semicolon}${parameters}`;
      return [
        `/api/orders/${segment}/admin/users`,
        `/api/orders/a/${segment}/${segment}/admin`,
        `/api/orders/a/${segment}`,
      ];
    }),
  ),
);

/** Spellings that are no dot segment once parameters go: names, or dots only in a value. */
const ALLOWED = [
  '/api/orders/items;v=2',
  '/api/orders/items;v=2/7',
  '/api/orders/a;b=..',
  '/api/orders/a;..',
  '/api/orders/...;x',
  '/api/orders/..a;x',
  '/api/orders/%2e%2e%2e;x',
  '/api/orders/a.;x',
];

function refusal(target: string): unknown {
  try {
    upstreamUrl(api!, target);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('dot segments with ; parameters, as upstreamUrl sees them', () => {
  test(`every one of ${CLIMBS.length} spellings of a climb is refused ERR_REMOTE_PATH`, () => {
    const passed = CLIMBS.filter((target) => {
      const error = refusal(target) as { code?: string; status?: number } | undefined;
      return error?.code !== 'ERR_REMOTE_PATH' || error.status !== 400;
    });
    expect(passed).toEqual([]);
  });

  test('a ; the upstream decodes twice (%253b) is refused as double encoding', () => {
    for (const target of ['/api/orders/..%253b/admin', '/api/orders/%2e%2e%253bx/admin']) {
      expect(refusal(target), target).toMatchObject({ code: 'ERR_REMOTE_PATH', status: 400 });
    }
  });

  test.each(ALLOWED)('%s is no climb: it goes up verbatim', (target) => {
    expect(upstreamUrl(api!, target).pathname).toBe(`/v1${target.slice('/api/orders'.length)}`);
  });
});

/** A GET whose target goes on the wire exactly as written (fetch would normalise it). */
async function rawGet(
  url: string,
  path: string,
  cookie: string,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path, headers: { 'x-csrf': '1', cookie } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each([
  ['Express 5', startExpress5],
  ['Fastify', startFastify],
  ['Hono', startHono],
] as [string, Start][])('dot segments with ; parameters through %s', (_name, start) => {
  const upstream: Upstream = upstreamFixture();
  const current: World = world(start, {}, () => remoteApiOptions(upstream));
  let jar: Promise<CookieJar> | undefined;
  const cookie = async () => (await (jar ??= current.signedIn())).header(current.backend.url)!;

  test.each([
    '/api/orders/..;/..;/admin/users',
    '/api/orders/%2e%2e;jsessionid=x/admin/users',
    '/api/orders/%2E.;/admin/users',
    '/api/orders/..%3b/admin/users',
    '/api/orders/a/.;x/..;x/..;x/admin',
  ])('%s leaves the prefix on a servlet upstream: 400, nothing sent', async (path) => {
    const before = upstream.received.length;
    const response = await rawGet(current.backend.url, path, await cookie());
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
    expect(upstream.received.length).toBe(before);
  });

  test('a segment with parameters that is no dot segment is passed on verbatim', async () => {
    const response = await rawGet(current.backend.url, '/api/orders/items;v=2/7', await cookie());
    expect(response.status).toBe(200);
    expect(upstream.received.at(-1)!.url).toBe('/v1/items;v=2/7');
  });
});
