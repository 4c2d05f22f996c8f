import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGatehouse, type GatehouseOptions } from '@gatehouse/server';
import {
  captureLog,
  freePort,
  signInThroughBackend,
  startStack,
  type Stack,
} from '../support/stack.js';
import { startProxyStack, startUpstream, type Upstream } from './upstream.js';

const CSRF = { 'x-csrf': '1' };

describe('remote API faults', () => {
  let stack: Stack;
  let upstream: Upstream;
  let close: () => Promise<void>;
  let downUrl: string;
  let api: string;

  beforeAll(async () => {
    downUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    ({ stack, upstream, close } = await startProxyStack((upstream) => ({
      remoteApis: [
        { path: '/api/orders', upstream: upstream.url, resource: 'api://orders', timeout: 0.5 },
        { path: '/api/down', upstream: downUrl, resource: 'api://orders' },
      ],
    })));
    api = `${stack.backend.url}/api/orders`;
  });
  afterAll(() => close?.());

  test('an upstream that is down is a 502 JSON error and a log line', async () => {
    const response = await stack.jar.fetch(`${stack.backend.url}/api/down/x`, { headers: CSRF });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      error: 'bad_gateway',
      error_description: 'The API could not be reached.',
    });
    expect(stack.log.join('')).toContain('ECONNREFUSED');
  });

  test('an upstream slower than the timeout is a 504', async () => {
    upstream.answer(() => {}); // never answers
    const started = Date.now();
    const response = await stack.jar.fetch(`${api}/slow`, { headers: CSRF });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: 'gateway_timeout' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a 5xx from the upstream passes through unchanged', async () => {
    upstream.answer((_seen, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end('{"error":"maintenance"}');
    });
    const response = await stack.jar.fetch(`${api}/x`, { headers: CSRF });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.text()).toBe('{"error":"maintenance"}');
  });

  test('an upstream closing mid-body aborts the response, never a hang', async () => {
    upstream.answer((_seen, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.destroy(), 50);
    });
    const response = await stack.jar.fetch(`${api}/x`, { headers: CSRF });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    await expect.poll(() => stack.log.join('')).toContain('broke off its answer');
  });

  test('a 401 from the upstream: a new token and one retry for GET', async () => {
    let calls = 0;
    upstream.answer((_seen, res) => {
      calls += 1;
      res.writeHead(calls === 1 ? 401 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ calls }));
    });
    const before = upstream.received.length;
    const response = await stack.jar.fetch(`${api}/x`, { headers: CSRF });
    expect(response.status).toBe(200);
    const [first, second] = upstream.received.slice(before);
    expect(first!.headers.authorization).not.toBe(second!.headers.authorization);
    expect(second!.claims).toMatchObject({ aud: 'api://orders' });
  });

  test('a 401 from the upstream to a POST is passed back, not retried', async () => {
    upstream.answer((_seen, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"invalid_token"}');
    });
    const before = upstream.received.length;
    const response = await stack.jar.fetch(`${api}/x`, {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(upstream.received.length - before).toBe(1);
  });

  test('a provider refusing the resource (invalid_target) is a readable 502 and a log line', async () => {
    // Another instance on the same store, with an API the sign-in never asked for.
    const log = captureLog();
    const other = createGatehouse({
      ...baseOptions(stack),
      logger: log.logger,
      remoteApis: [{ path: '/api/ledger', upstream: upstream.url, resource: 'api://ledger' }],
    });
    try {
      const cookie = stack.jar.header(stack.backend.url)!;
      const response = await other.handle({
        method: 'GET',
        url: '/api/ledger/x',
        headers: { cookie, 'x-csrf': '1' },
      });
      expect(response?.status).toBe(502);
      expect(JSON.parse(response!.body!)).toMatchObject({
        error: 'invalid_target',
        error_description: 'The identity provider would not issue a token for api://ledger.',
      });
      expect(log.lines.join('')).toContain('API token refused');
    } finally {
      await other.close();
    }
  });

  test('gatehouse.accessToken(request, { api }) gives server code the same token', async () => {
    upstream.answer(undefined);
    await stack.jar.fetch(`${api}/x`, { headers: CSRF });
    const sent = upstream.received.at(-1)!.headers.authorization;
    const cookie = stack.jar.header(stack.backend.url)!;
    const token = await stack.backend.gatehouse.accessToken(
      {
        method: 'GET',
        url: '/x',
        headers: { cookie },
      },
      { api: '/api/orders' },
    );
    expect(`Bearer ${token}`).toBe(sent);
  });

  test('sign-out drops the API token with the session: 401 after', async () => {
    const logout = await stack.jar.fetch(`${stack.backend.url}/logout`, {
      method: 'POST',
      headers: CSRF,
    });
    expect(logout.status).toBeLessThan(400);
    expect(stack.store.size ?? 0).toBe(0);
    const response = await stack.jar.fetch(`${api}/x`, { headers: CSRF });
    expect(response.status).toBe(401);
  });
});

describe('remote API tokens', () => {
  test('a token about to expire is replaced before it does', async () => {
    const upstream = await startUpstream();
    // Tokens live 20 s, under the 30 s margin: every call gets a new one.
    const stack = await startStack({
      idpOptions: { accessTokenTtl: 20 },
      options: {
        remoteApis: [{ path: '/api/orders', upstream: upstream.url, resource: 'api://orders' }],
      },
    });
    try {
      await signInThroughBackend(stack);
      for (const path of ['a', 'b']) {
        await stack.jar.fetch(`${stack.backend.url}/api/orders/${path}`, { headers: CSRF });
      }
      const [a, b] = upstream.received;
      expect(a!.headers.authorization).not.toBe(b!.headers.authorization);
      expect(b!.claims).toMatchObject({ aud: 'api://orders' });
    } finally {
      await stack.close();
      await upstream.close();
    }
  });

  test("the session's own refresh keeps the API tokens it holds", async () => {
    const upstream = await startUpstream();
    let exchanges = 0;
    // Session tokens of 2 s (refreshed under the caller's feet), an API token of 5 minutes.
    const stack = await startStack({
      idpOptions: { accessTokenTtl: 2 },
      options: {
        remoteApis: [{ path: '/api/orders', upstream: upstream.url, audience: 'orders' }],
        exchangeToken: async () => {
          exchanges++;
          const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
          return {
            access_token: `${part({ alg: 'none' })}.${part({ n: exchanges })}.x`,
            expires_in: 300,
          };
        },
      },
    });
    try {
      await signInThroughBackend(stack);
      const call = () => stack.jar.fetch(`${stack.backend.url}/api/orders/x`, { headers: CSRF });
      expect((await call()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const refreshed = await stack.jar.fetch(`${stack.backend.url}/secure-data`);
      expect(refreshed.status).toBe(200);
      expect((await call()).status).toBe(200);
      expect(exchanges).toBe(1);
      const [first, second] = upstream.received;
      expect(second!.headers.authorization).toBe(first!.headers.authorization);
    } finally {
      await stack.close();
      await upstream.close();
    }
  });

  test('exchangeToken (RFC 8693) replaces the refresh grant', async () => {
    const upstream = await startUpstream();
    const asked: unknown[] = [];
    const stack = await startStack({
      options: {
        remoteApis: [{ path: '/api/orders', upstream: upstream.url, audience: 'orders' }],
        exchangeToken: async (request) => {
          asked.push(request);
          // A JWT-shaped token the upstream can decode.
          const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
          return {
            access_token: `${part({ alg: 'none' })}.${part({ aud: 'exchanged' })}.x`,
            expires_in: 300,
          };
        },
      },
    });
    try {
      await signInThroughBackend(stack);
      const response = await stack.jar.fetch(`${stack.backend.url}/api/orders/x`, {
        headers: CSRF,
      });
      expect(response.status).toBe(200);
      expect(upstream.received[0]!.claims).toEqual({ aud: 'exchanged' });
      expect(asked).toEqual([
        {
          subjectToken: expect.any(String),
          api: { name: '/api/orders', resource: undefined, audience: 'orders', scopes: undefined },
        },
      ]);
    } finally {
      await stack.close();
      await upstream.close();
    }
  });
});

function baseOptions(stack: Stack): GatehouseOptions {
  const { config } = stack.backend.gatehouse;
  return {
    issuer: config.issuer.href,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    backendUrl: config.backendUrl.href.replace(/\/$/, ''),
    frontendUrl: stack.frontendUrl,
    sessionSecret: 'test-secret-'.repeat(4),
    // The same sessions; closing this instance leaves them to the stack.
    sessionStore: new Proxy(stack.store, {
      get: (target, name) =>
        name === 'close'
          ? async () => {}
          : (Reflect.get(target, name, target) as (...args: unknown[]) => unknown)?.bind?.(target),
    }),
  };
}
