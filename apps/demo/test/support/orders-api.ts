/**
 * The demo's orders API (apps/demo/server/orders-api.ts) on a port of the test's choosing,
 * verifying with @gatehouse/server for its own audience, api://orders: the server tests' orders
 * API fixture, serving the demo's own API. For the browser tests of the demo's "Orders API" card.
 */
import {
  startOrdersApi as startApi,
  type OrdersApiOptions,
} from '../../../../packages/server/test/support/orders-api.js';
import { ordersServer } from '../../server/orders-api.js';

export {
  ordersRemoteApi,
  type OrdersApi,
} from '../../../../packages/server/test/support/orders-api.js';

export function startOrdersApi(options: Omit<OrdersApiOptions, 'serve'>) {
  return startApi({ ...options, serve: ordersServer });
}
