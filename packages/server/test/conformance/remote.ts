import { afterAll, beforeAll, expect, test } from 'vitest';
import { startUpstream } from '../remote/upstream.js';
import type { World } from './suite.js';

const CSRF = { 'x-csrf': '1' };

/** A recording upstream for the remote-API cases, started before the world that proxies to it. */
export function upstreamFixture() {
  const fixture = {} as Awaited<ReturnType<typeof startUpstream>>;
  beforeAll(async () => {
    Object.assign(fixture, await startUpstream());
  });
  afterAll(() => fixture.close?.());
  return fixture;
}

/**
 * A remote API through the host: bodies stream both ways on every host, whether it hands
 * Gatehouse a Node stream or a standard `Request` (Hono, Next.js: `bodyStream`).
 */
export function remoteCases(world: World, upstream: Awaited<ReturnType<typeof startUpstream>>) {
  const url = (path: string) => `${world.backend.url}${path}`;

  test('a GET reaches the upstream with a token for the API, never the cookie', async () => {
    const jar = await world.signedIn();
    const response = await jar.fetch(url('/api/orders/items/7?x=1'), { headers: CSRF });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'GET', url: '/v1/items/7?x=1' });
    const seen = upstream.received.at(-1)!;
    expect(seen.claims).toMatchObject({ aud: 'api://orders' });
    expect(seen.headers.cookie).toBeUndefined();
  });

  test('a 3 MB body streams up and its echo streams back unchanged', async () => {
    const jar = await world.signedIn();
    const body = JSON.stringify({ items: 'x'.repeat(3_000_000) });
    const response = await jar.fetch(url('/api/orders/bulk'), {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { body: string }).body).toBe(body);
    expect(upstream.received.at(-1)!.headers['content-type']).toBe('application/json');
  });
}
