import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ordersRemoteApi, startOrdersApi, type OrdersApi } from '../support/orders-api.js';
import {
  captureLog,
  freePort,
  signInThroughBackend,
  startStack,
  type Stack,
} from '../support/stack.js';

// An orders API behind the proxy (support/orders-api.ts, shaped like the demo's): it verifies
// the forwarded token with @gatehouse/server for its own audience, api://orders.
let stack: Stack;
let orders: OrdersApi;

beforeAll(async () => {
  const port = await freePort();
  stack = await startStack({ options: { remoteApis: [ordersRemoteApi(port)] } });
  orders = await startOrdersApi({
    port,
    issuer: stack.idp.issuer,
    frontendUrl: stack.frontendUrl,
    logger: captureLog().logger,
  });
  expect((orders.server.address() as AddressInfo).port).toBe(port);
  await signInThroughBackend(stack);
});
afterAll(async () => {
  await orders?.close();
  await stack?.close();
});

test('the orders API sees a token for api://orders and no cookie', async () => {
  const response = await stack.jar.fetch(`${stack.backend.url}/api/orders/whoami`, {
    headers: { 'x-csrf': '1', accept: 'application/json' },
  });
  expect(response.status).toBe(200);
  const seen = (await response.json()) as { aud: string; scope: string[]; headers: string[] };
  expect(seen).toMatchObject({ sub: expect.any(String), aud: 'api://orders' });
  expect(seen.scope).toContain('orders:read');
  expect(seen.headers).toContain('authorization');
  expect(seen.headers).not.toContain('cookie');
  expect(seen.headers).not.toContain('x-csrf');
});

test('the orders API refuses the session token (audience api://default)', async () => {
  const token = await stack.backend.gatehouse.accessToken({
    method: 'GET',
    url: '/',
    headers: { cookie: stack.jar.header(stack.backend.url)! },
  });
  const port = (orders.server.address() as AddressInfo).port;
  const response = await fetch(`http://127.0.0.1:${port}/whoami`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(401);
});
