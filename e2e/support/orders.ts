/**
 * The demo's orders API behind the proxy, for the browser tests of its "Orders API" card: the
 * `remoteApis` entry, the API itself (apps/demo/test/support/orders-api.ts) started after the
 * demo, and the card's answer.
 */
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import {
  ordersRemoteApi,
  startOrdersApi,
  type OrdersApi,
} from '../../apps/demo/test/support/orders-api.js';
import type { Demo } from './demo.js';

/** `remoteApis` for the demo: `/api/orders/*` to the orders API on `port`, GET only. */
export function ordersRemoteApis(port: number) {
  return [{ ...ordersRemoteApi(port), methods: ['GET'] }];
}

/**
 * Starts the orders API on `port` once the demo is up (call after `withDemoAndBrowser`) and
 * stops it after this file's tests. With `dpop`, it requires DPoP and its own nonces.
 */
export function withOrdersApi(port: number, demo: () => Demo, { dpop = false } = {}): void {
  let orders: OrdersApi | undefined;
  beforeAll(async () => {
    orders = await startOrdersApi({
      port,
      issuer: demo().idp.issuer,
      frontendUrl: demo().frontendUrl,
      logger: pino({ level: 'silent' }),
      dpop,
    });
  });
  afterAll(() => orders?.close());
}

/** What the orders API saw of the call, as the demo's card shows it. */
export interface OrdersSeen {
  aud: string;
  scope: string[];
  scheme: string;
  headers: string[];
}

/** Clicks "Call the orders API" and reads the card's answer once it shows. */
export async function callOrdersApi(page: Page) {
  await page.getByRole('button', { name: 'Call the orders API' }).click();
  const answer = page.getByTestId('orders-data');
  await answer.getByText('api://orders').waitFor();
  const seen = JSON.parse((await answer.textContent())!) as OrdersSeen;
  return { answer, seen };
}
