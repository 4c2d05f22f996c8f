/**
 * A signed-in browser's call to a remote API that also carries an `Authorization` header (an
 * extension, a stale client library) still acts for the session: the header is dropped, the
 * API's own token sent, and every other header kept, whatever object the host holds the
 * headers in (Node's record, or a standard `Headers` behind a Proxy on Hono and Next.js).
 */
import { describe, expect, test } from 'vitest';
import { upstreamFixture } from '../conformance/remote.js';
import { startExpress5, startFastify, startHono, startNodeHttp } from '../conformance/starters.js';
import { world, type Start } from '../conformance/suite.js';
import { startNextHandlers } from './hosts.js';
import { remoteApiOptions } from './upstream.js';

describe.each([
  ['Hono', startHono],
  ['Next.js route handlers', startNextHandlers],
  ['node:http', startNodeHttp],
  ['Express 5', startExpress5],
  ['Fastify', startFastify],
] as [string, Start][])('a caller Authorization header on %s', (_name, start) => {
  const upstream = upstreamFixture();
  const current = world(start, {}, () => remoteApiOptions(upstream));

  test('a session call with a foreign Authorization header goes up with its other headers and the API token only', async () => {
    const jar = await current.signedIn();
    const response = await jar.fetch(`${current.backend.url}/api/orders/items/7`, {
      method: 'POST',
      headers: {
        'x-csrf': '1',
        authorization: 'Bearer caller-supplied-token',
        accept: 'application/json',
        'content-type': 'application/json',
        'x-request-id': 'req-42',
      },
      body: '{"qty":2}',
    });
    expect(response.status).toBe(200);
    const seen = upstream.received.at(-1)!;
    expect(seen.url).toBe('/v1/items/7');
    expect(seen.claims).toMatchObject({ aud: 'api://orders' });
    expect(seen.headers.authorization).not.toContain('caller-supplied-token');
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-request-id']).toBe('req-42');
    expect(seen.body).toBe('{"qty":2}');
  });

  test('a foreign Authorization header without a session cookie is still 401', async () => {
    const before = upstream.received.length;
    const response = await fetch(`${current.backend.url}/api/orders/items/7`, {
      headers: { 'x-csrf': '1', authorization: 'Bearer caller-supplied-token' },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
    expect(upstream.received.length).toBe(before);
  });
});

describe('a caller Authorization header, headers only readable by name', () => {
  const upstream = upstreamFixture();
  const current = world(startNodeHttp, {}, () => remoteApiOptions(upstream));

  test('gatehouse.handle with a get/has-only header object (no names to list) still finds the session', async () => {
    const jar = await current.signedIn();
    const sent = new Headers({
      cookie: jar.header(current.backend.url)!,
      'x-csrf': '1',
      authorization: 'Basic Y2FsbGVyOnNlY3JldA==',
      'x-request-id': 'req-43',
    });
    // As a host may hand them over: looked up on access, with nothing a spread could copy.
    const headers = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, name) =>
        typeof name === 'string' ? (sent.get(name) ?? undefined) : undefined,
      has: (_target, name) => typeof name === 'string' && sent.has(name),
    });
    const response = await current.backend.gatehouse.handle({
      method: 'GET',
      url: '/api/orders/items/8',
      headers,
    });
    expect(response?.status).toBe(200);
    response?.stream?.resume();
    const seen = upstream.received.at(-1)!;
    expect(seen.url).toBe('/v1/items/8');
    expect(seen.headers.authorization).toMatch(/^Bearer /);
    expect(seen.headers['x-request-id']).toBe('req-43');
  });
});
