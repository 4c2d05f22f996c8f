import { type DevIdp } from '@gatehouse/dev-idp';
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startRedis, type RedisServer } from '../support/redis.js';
import {
  captureLog,
  freePort,
  signInThroughBackend,
  startBackend,
  webClient,
  type Backend,
  startTestIdp,
} from '../support/stack.js';
import { startUpstream } from './upstream.js';

// Two instances on one Redis: an API token is fetched once per session and API, whichever
// instance the requests reach, and the rotated refresh token is redeemed once.
let redis: RedisServer;
let idp: DevIdp;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let a: Backend;
let b: Backend;

beforeAll(async () => {
  redis = await startRedis();
  upstream = await startUpstream();
  const [portA, portB] = [await freePort(), await freePort()];
  const backendUrl = `http://localhost:${portA}`;
  const frontendUrl = 'http://localhost:5999';
  idp = await startTestIdp({
    clients: [webClient(backendUrl, frontendUrl)],
  });
  const options = {
    issuer: idp.issuer,
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl,
    frontendUrl,
    sessionSecret: 'remote-scale-secret-'.repeat(3),
    logger: captureLog().logger,
    sessionStore: redis.url,
    remoteApis: [{ path: '/api/orders', upstream: upstream.url, resource: 'api://orders' }],
  };
  a = await startBackend('fastify', portA, options);
  b = await startBackend('express', portB, options);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await idp?.close();
  await upstream?.close();
  await redis?.close();
});

test('concurrent calls on two instances: one API token fetch, one token for all', async () => {
  const jar = new CookieJar();
  await signInThroughBackend({ backend: a, jar });
  const fetches: unknown[] = [];
  const count = (message: unknown) => {
    if ((message as { step?: string }).step === 'api token') fetches.push(message);
  };
  subscribe('gatehouse:provider-call', count);
  try {
    const calls = Array.from({ length: 10 }, (_, i) =>
      jar.fetch(`http://localhost:${new URL((i % 2 ? b : a).url).port}/api/orders/x`, {
        headers: { 'x-csrf': '1' },
      }),
    );
    const responses = await Promise.all(calls);
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
  } finally {
    unsubscribe('gatehouse:provider-call', count);
  }
  expect(fetches).toHaveLength(1);
  const tokens = new Set(upstream.received.map((seen) => seen.headers.authorization));
  expect(tokens.size).toBe(1);
  // The rotated refresh token was stored: a new API token (after a 401) comes from it, on B.
  let refused = false;
  upstream.answer((_seen, res) => {
    res.writeHead(refused ? 200 : 401, { 'content-type': 'application/json' });
    res.end('{}');
    refused = true;
  });
  const again = await jar.fetch(`http://localhost:${new URL(b.url).port}/api/orders/x`, {
    headers: { 'x-csrf': '1' },
  });
  expect(again.status).toBe(200);
  const last = upstream.received.at(-1)!.headers.authorization;
  expect(tokens.has(last)).toBe(false);
});
