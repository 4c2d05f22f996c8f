import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInThroughBackend, startStack, type Stack } from '../support/stack.js';
import { startUpstream } from './upstream.js';

const CSRF = { 'x-csrf': '1' };

/** The proxy against the real dev IdP and a recording upstream, on each framework. */
describe.each(['fastify', 'express'] as const)('remote API through %s', (framework) => {
  let stack: Stack;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let api: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    stack = await startStack({
      framework,
      options: {
        remoteApis: [
          {
            path: '/api/orders',
            upstream: `${upstream.url}/v1`,
            resource: 'api://orders',
            scopes: 'orders:read',
            methods: ['GET', 'POST', 'PUT', 'DELETE'],
          },
        ],
      },
    });
    await signInThroughBackend(stack);
    api = `${stack.backend.url}/api/orders`;
  });
  afterAll(async () => {
    await stack?.close();
    await upstream?.close();
  });

  test('forwards with a token for the API, never the cookie, and drops Set-Cookie', async () => {
    const response = await stack.jar.fetch(`${api}/items/7?x=1`, {
      headers: { ...CSRF, accept: 'application/json', 'x-secret': 'no' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.json()).toMatchObject({ method: 'GET', url: '/v1/items/7?x=1' });
    const seen = upstream.received.at(-1)!;
    expect(seen.claims).toMatchObject({ aud: 'api://orders', sub: expect.any(String) });
    // The dev IdP names scopes as Okta does: `scp`.
    expect(seen.claims!.scp).toEqual(['orders:read']);
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-csrf']).toBeUndefined();
    expect(seen.headers['x-secret']).toBeUndefined();
    expect(seen.headers.accept).toBe('application/json');
  });

  test('the session keeps the API token: the next call reuses it', async () => {
    await stack.jar.fetch(`${api}/a`, { headers: CSRF });
    await stack.jar.fetch(`${api}/b`, { headers: CSRF });
    const [first, second] = upstream.received.slice(-2);
    expect(first!.headers.authorization).toBe(second!.headers.authorization);
  });

  test('streams a request body up and the answer back unchanged', async () => {
    const body = JSON.stringify({ items: 'x'.repeat(200_000) });
    const response = await stack.jar.fetch(`${api}/orders`, {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const echoed = (await response.json()) as { body: string };
    expect(echoed.body).toBe(body);
    expect(upstream.received.at(-1)!.headers['content-type']).toBe('application/json');
  });

  test('passes the upstream status and body through', async () => {
    upstream.answer((_seen, res) => {
      res.writeHead(409, { 'content-type': 'text/plain', 'x-kind': 'conflict' });
      res.end('already there');
    });
    try {
      const response = await stack.jar.fetch(`${api}/orders/1`, { method: 'PUT', headers: CSRF });
      expect(response.status).toBe(409);
      expect(response.headers.get('x-kind')).toBe('conflict');
      expect(await response.text()).toBe('already there');
    } finally {
      upstream.answer(undefined);
    }
  });

  test('every method needs X-CSRF: 1, GET included', async () => {
    const before = upstream.received.length;
    for (const method of ['GET', 'POST', 'DELETE']) {
      const response = await stack.jar.fetch(`${api}/x`, { method });
      expect(response.status, method).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'access_denied' });
    }
    expect(upstream.received.length).toBe(before);
  });

  test('an anonymous caller gets 401 JSON, never a redirect', async () => {
    const response = await fetch(`${api}/x`, { headers: CSRF, redirect: 'manual' });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/json');
    const bearer = await fetch(`${api}/x`, {
      headers: { ...CSRF, authorization: 'Bearer abc' },
      redirect: 'manual',
    });
    expect(bearer.status).toBe(401);
  });

  test('a method the API does not accept is 405', async () => {
    const response = await stack.jar.fetch(`${api}/x`, { method: 'PATCH', headers: CSRF });
    expect(response.status).toBe(405);
  });

  test.each([
    '/api/orders/../secret',
    '/api/orders/%2e%2e/secret',
    '/api/orders/%2E%2e/secret',
    '/api/orders/.%2e/secret',
    '/api/orders/a%2f..%2fsecret',
    '/api/orders/a%2F..%2Fsecret',
    '/api/orders/a\\..\\secret',
    '/api/orders/a%5c..%5csecret',
    '/api/orders//secret',
    '/api/orders/a//b',
    '/api/orders/./a',
    '/api/orders/%252e%252e/secret',
    '/api/orders/a%00b',
    '/api/orders/%zz',
  ])('refuses the path %s with 400', async (path) => {
    const before = upstream.received.length;
    const response = await rawGet(stack, path);
    expect(response.status).toBe(400);
    expect(upstream.received.length).toBe(before);
  });
});

/** A GET whose target goes on the wire exactly as written (fetch would normalise it). */
async function rawGet(stack: Stack, path: string): Promise<{ status: number }> {
  const { request } = await import('node:http');
  const url = new URL(stack.backend.url);
  const cookie = stack.jar.header(stack.backend.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { ...CSRF, cookie: cookie ?? '' } },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode! });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
