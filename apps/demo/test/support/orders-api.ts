/**
 * The demo's orders API (apps/demo/server/orders-api.ts) on a port of the test's choosing,
 * verifying with @gatehouse/server for its own audience, api://orders. Shared by the server
 * tests of the remote-API proxy and the browser tests of the demo's "Orders API" card.
 */
import { createGatehouse, type Gatehouse, type GatehouseOptions } from '@gatehouse/server';
import type { Server } from 'node:http';
import { ordersServer } from '../../server/orders-api.js';

/** The `remoteApis` entry that sends `/api/orders/*` to the orders API on `port`. */
export function ordersRemoteApi(port: number) {
  return {
    path: '/api/orders',
    upstream: `http://127.0.0.1:${port}`,
    resource: 'api://orders',
    scopes: 'orders:read',
  };
}

export interface OrdersApiOptions {
  port: number;
  issuer: string;
  frontendUrl: string;
  logger: GatehouseOptions['logger'];
  /** Require DPoP-bound tokens and the API's own DPoP nonces. */
  dpop?: boolean;
}

export interface OrdersApi {
  server: Server;
  verifier: Gatehouse;
  close(): Promise<void>;
}

export async function startOrdersApi({
  port,
  issuer,
  frontendUrl,
  logger,
  dpop = false,
}: OrdersApiOptions): Promise<OrdersApi> {
  const verifier = createGatehouse({
    issuer,
    clientId: 'orders-api',
    clientSecret: 'unused',
    backendUrl: `http://127.0.0.1:${port}`,
    frontendUrl,
    sessionSecret: 'orders-api-secret-'.repeat(3),
    audience: 'api://orders',
    ...(dpop ? ({ accessTokenDpop: 'required', accessTokenDpopNonce: true } as const) : {}),
    logger,
  });
  const server = ordersServer(verifier);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    verifier,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await verifier.close();
    },
  };
}
