import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInThroughBackend, startStack, type Stack } from '../support/stack.js';
import { startUpstream } from '../remote/upstream.js';
import { expireAccessToken, jktOf, sessionOf, thumbprintOf, verifyProof } from './support.js';

/**
 * A client registered for bound tokens only (`dpop_bound_access_tokens`: no token without a
 * proof), authenticating with private_key_jwt (the backend's JWKS), at a provider that requires
 * DPoP nonces; with and without pushed authorization requests (RFC 9126).
 */
describe.each([false, true])(
  'DPOP=on, a bound-tokens client with private_key_jwt (PAR %s)',
  (par) => {
    let stack: Stack;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;

    beforeAll(async () => {
      upstream = await startUpstream();
      stack = await startStack({
        framework: 'express',
        idpOptions: { par, dpopNonce: true },
        clients: (backendUrl, frontendUrl) => [
          {
            client_id: 'gatehouse-bound',
            token_endpoint_auth_method: 'private_key_jwt',
            jwks_uri: `${backendUrl}/.well-known/jwks.json`,
            require_pushed_authorization_requests: par,
            dpop_bound_access_tokens: true,
            grant_types: ['authorization_code', 'refresh_token'],
            redirect_uris: [`${backendUrl}/signin-oidc`],
            post_logout_redirect_uris: [frontendUrl],
          },
        ],
        options: {
          clientId: 'gatehouse-bound',
          clientSecret: undefined,
          clientAuth: 'private_key_jwt',
          dpop: 'on',
          par: par ? 'on' : 'off',
          remoteApis: [{ path: '/api/orders', upstream: upstream.url, resource: 'api://orders' }],
        },
      });
      const callback = await signInThroughBackend(stack);
      expect(callback.status).toBe(302);
    });
    afterAll(async () => {
      await stack?.close();
      await upstream?.close();
    });

    test('the session tokens are bound to its key', async () => {
      const { tokens } = await sessionOf(stack);
      expect(jktOf(tokens.access_token)).toBe(await thumbprintOf(tokens));
    });

    test('a refresh (with a nonce and a client assertion) keeps the binding', async () => {
      const before = await sessionOf(stack);
      await expireAccessToken(stack);
      expect((await stack.jar.fetch(`${stack.backend.url}/secure-data`)).status).toBe(200);
      const after = await sessionOf(stack);
      expect(after.tokens.access_token).not.toBe(before.tokens.access_token);
      expect(jktOf(after.tokens.access_token)).toBe(await thumbprintOf(before.tokens));
    });

    test('the proxy sends the API its bound token with a valid proof', async () => {
      const response = await stack.jar.fetch(`${stack.backend.url}/api/orders/list`, {
        headers: { 'x-csrf': '1' },
      });
      expect(response.status).toBe(200);
      const seen = upstream.received.at(-1)!;
      await verifyProof(seen.headers, 'GET', `${upstream.url}/list`);
    });
  },
);
