/**
 * On Hono the request reaches Gatehouse as a Web `Request`, whose URL parser has already
 * resolved dot segments, `%2e` spellings included (WHATWG URL, "single-dot" and "double-dot"
 * segments). A climb out of an API's prefix therefore arrives as another path: not the API's,
 * so Hono answers 404 and nothing goes upstream. What docs/remote-apis.md says of Hono.
 */
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import { request } from 'node:http';
import { describe, expect, test } from 'vitest';
import { startHono } from '../conformance/starters.js';
import { world, type World } from '../conformance/suite.js';
import { upstreamFixture } from '../conformance/remote.js';
import { remoteApiOptions, type Upstream } from './upstream.js';

/** A GET whose target goes on the wire exactly as written (fetch would normalise it). */
async function rawGet(url: string, path: string, cookie: string) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
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

describe('dot segments through Hono (the URL parser resolves them first)', () => {
  const upstream: Upstream = upstreamFixture();
  const current: World = world(startHono, {}, () => remoteApiOptions(upstream));
  let jar: Promise<CookieJar> | undefined;
  const cookie = async () => (await (jar ??= current.signedIn())).header(current.backend.url)!;

  test.each(['/api/orders/%2e%2e/secret', '/api/orders/%2E%2e/secret', '/api/orders/../secret'])(
    '%s climbs out of the prefix: 404 from the app, nothing sent upstream',
    async (path) => {
      const before = upstream.received.length;
      const response = await rawGet(current.backend.url, path, await cookie());
      expect(response.status).toBe(404);
      expect(upstream.received.length).toBe(before);
    },
  );

  test('a dot segment that stays inside the prefix goes up resolved, never as a dot segment', async () => {
    const response = await rawGet(current.backend.url, '/api/orders/a/%2e%2e/b', await cookie());
    expect(response.status).toBe(200);
    expect(upstream.received.at(-1)!.url).toBe('/v1/b');
  });

  test('double encoding is still refused 400 (the parser leaves %252e alone)', async () => {
    const before = upstream.received.length;
    const response = await rawGet(
      current.backend.url,
      '/api/orders/%252e%252e/secret',
      await cookie(),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
    expect(upstream.received.length).toBe(before);
  });
});
