import { demoClients } from '@gatehouse/dev-idp';
import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADA, setCookie, startStack, type Stack } from '../support/stack.js';

// The dev IdP's second demo client, as `npm start` registers it: private_key_jwt with the
// backend's JWKS URL, PAR required, DPoP-bound access tokens. What docs/client-authentication.md
// tells a developer to run, with the development key (no key configured).
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    framework: 'express',
    idpOptions: { par: true },
    clients: (backendUrl, frontendUrl) => demoClients({ backendUrl, frontendUrl }),
    options: {
      clientId: 'gatehouse-demo-bound',
      clientSecret: undefined,
      clientAuth: 'private_key_jwt',
      dpop: true,
      sessionSecret: 'demo-bound-test-secret-'.repeat(2),
    },
  });
});
afterAll(() => stack?.close());

test('gatehouse-demo-bound signs in with the generated key, through PAR, with DPoP', async () => {
  const jar = new CookieJar();
  const login = await jar.fetch(`${stack.backend.url}/login`);
  expect(login.status).toBe(302);
  const authorizationUrl = new URL(login.headers.get('location')!);
  expect([...authorizationUrl.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  const callback = await jar.fetch(await signIn(authorizationUrl, ADA, jar));
  expect(callback.status).toBe(302);
  expect(setCookie(callback, 'gatehouse')).toBeDefined();
  expect((await jar.fetch(`${stack.backend.url}/me`)).status).toBe(200);
});
