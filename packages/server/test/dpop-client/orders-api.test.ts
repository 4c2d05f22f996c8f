import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ordersRemoteApi, startOrdersApi, type OrdersApi } from '../support/orders-api.js';
import {
  captureLog,
  freePort,
  signInThroughBackend,
  startStack,
  type Stack,
} from '../support/stack.js';

/**
 * An orders API behind the proxy (support/orders-api.ts), verifying with Gatehouse's own guard: it requires
 * DPoP and its own nonces (`accessTokenDpop: 'required'`, `accessTokenDpopNonce`), so a
 * Bearer token, a proof for another URL or a missing nonce would all be refused.
 */
describe('DPOP=on: the orders API (Gatehouse as the resource server) accepts what the proxy sends', () => {
  let stack: Stack;
  let orders: OrdersApi;
  const ordersLog = captureLog();
  let requests = 0;

  beforeAll(async () => {
    const port = await freePort();
    stack = await startStack({ options: { dpop: 'on', remoteApis: [ordersRemoteApi(port)] } });
    orders = await startOrdersApi({
      port,
      issuer: stack.idp.issuer,
      frontendUrl: stack.frontendUrl,
      logger: ordersLog.logger,
      dpop: true,
    });
    orders.server.on('request', () => void requests++);
    await signInThroughBackend(stack);
  });
  afterAll(async () => {
    await orders?.close();
    await stack?.close();
  });

  test('the first call is retried with the API nonce, then the API sees a DPoP-bound token', async () => {
    const call = () =>
      stack.jar.fetch(`${stack.backend.url}/api/orders/whoami`, { headers: { 'x-csrf': '1' } });
    const response = await call();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ aud: 'api://orders', scheme: 'DPoP' });
    expect(requests).toBe(2); // use_dpop_nonce, then the retry with the nonce
    // The next calls carry the nonce from the start, each with a proof of its own.
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
    expect(requests).toBe(5);
    expect(ordersLog.lines.join('')).not.toContain('invalid_dpop_proof');
  });
});
