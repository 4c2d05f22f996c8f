import { freePort } from '@gatehouse/dev-idp/testing';
import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  signInWithRedirect,
  withDemoAndBrowser,
} from './support/browser.js';
import type { Demo } from './support/demo.js';
import { callOrdersApi, ordersRemoteApis, withOrdersApi } from './support/orders.js';

// The demo's "Orders API" card: the browser calls /api/orders/whoami with its cookie, the
// backend forwards it to the orders API with a token for api://orders; the token never
// reaches the browser.
let demo: Demo;
let browser: Browser;
const ordersPort = await freePort();

withDemoAndBrowser(
  {
    topology: 'two-origin',
    gatehouse: { remoteApis: ordersRemoteApis(ordersPort) },
  },
  (d, b) => ([demo, browser] = [d, b]),
);

withOrdersApi(ordersPort, () => demo);

test('the Orders API card shows what the API saw, and the browser never sees its token', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithRedirect(page);

  const { seen } = await callOrdersApi(page);
  expect(seen.aud).toBe('api://orders');
  expect(seen.scope).toContain('orders:read');
  expect(seen.headers).toContain('authorization');
  expect(seen.headers).not.toContain('cookie');
  expect(seen.headers).not.toContain('x-csrf');

  await watch.assertNoTokens();
  await context.close();
});
