import { createGatehouse, type Gatehouse } from '@gatehouse/server';
import { freePort } from '@gatehouse/dev-idp/testing';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ordersServer } from '../apps/demo/server/orders-api.js';
import {
  newSession,
  openSignedOut,
  submitLogin,
  waitForSignedIn,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

// The demo's "Orders API" card: the browser calls /api/orders/whoami with its cookie, the
// backend forwards it to the orders API with a token for api://orders; the token never
// reaches the browser.
let demo: Demo;
let browser: Browser;
let orders: Server;
let verifier: Gatehouse;
const ordersPort = await freePort();

withDemoAndBrowser(
  {
    topology: 'two-origin',
    gatehouse: {
      remoteApis: [
        {
          path: '/api/orders',
          upstream: `http://127.0.0.1:${ordersPort}`,
          resource: 'api://orders',
          scopes: 'orders:read',
          methods: ['GET'],
        },
      ],
    },
  },
  (d, b) => ([demo, browser] = [d, b]),
);

beforeAll(async () => {
  verifier = createGatehouse({
    issuer: demo.idp.issuer,
    clientId: 'orders-api',
    clientSecret: 'unused',
    backendUrl: `http://127.0.0.1:${ordersPort}`,
    frontendUrl: demo.frontendUrl,
    sessionSecret: 'orders-api-secret-'.repeat(3),
    audience: 'api://orders',
    logger: pino({ level: 'silent' }),
  });
  orders = ordersServer(verifier);
  await new Promise<void>((resolve) => orders.listen(ordersPort, '127.0.0.1', resolve));
});
afterAll(async () => {
  orders?.closeAllConnections();
  await new Promise((resolve) => orders?.close(resolve));
  await verifier?.close();
});

test('the Orders API card shows what the API saw, and the browser never sees its token', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await page.getByRole('button', { name: 'Sign in with redirect' }).click();
  await submitLogin(page, ADA);
  await waitForSignedIn(page);

  await page.getByRole('button', { name: 'Call the orders API' }).click();
  const answer = page.getByTestId('orders-data');
  await answer.getByText('api://orders').waitFor();
  const seen = JSON.parse((await answer.textContent())!) as {
    aud: string;
    scope: string[];
    headers: string[];
  };
  expect(seen.aud).toBe('api://orders');
  expect(seen.scope).toContain('orders:read');
  expect(seen.headers).toContain('authorization');
  expect(seen.headers).not.toContain('cookie');
  expect(seen.headers).not.toContain('x-csrf');

  await watch.assertNoTokens();
  await context.close();
});
