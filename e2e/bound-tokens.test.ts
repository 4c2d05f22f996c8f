import { freePort } from '@gatehouse/dev-idp/testing';
import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  screenshot,
  signInWithRedirect,
  withDemoAndBrowser,
} from './support/browser.js';
import type { Demo } from './support/demo.js';
import { callOrdersApi, ordersRemoteApis, withOrdersApi } from './support/orders.js';

// The demo with every option of issue 16 on: the `gatehouse-demo-bound` client authenticates
// with private_key_jwt (its public key at the backend's JWKS route), pushes its authorization
// request (PAR=on, required by the client), and holds DPoP-bound tokens (DPOP=on, required by
// the client) from a provider that requires DPoP nonces. The orders API behind the proxy
// requires DPoP and its own nonces.
let demo: Demo;
let browser: Browser;
const ordersPort = await freePort();

withDemoAndBrowser(
  {
    topology: 'two-origin',
    idp: { par: true, dpopNonce: true },
    gatehouse: {
      clientId: 'gatehouse-demo-bound',
      clientSecret: undefined,
      clientAuth: 'private_key_jwt',
      par: 'on',
      dpop: 'on',
      remoteApis: ordersRemoteApis(ordersPort),
    },
  },
  (d, b) => ([demo, browser] = [d, b]),
);

withOrdersApi(ordersPort, () => demo, { dpop: true });

test('bound tokens end to end: PAR sign-in, secure data, and the orders API through the proxy with DPoP', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithRedirect(page);

  // The browser went to the provider with a request_uri only: the parameters were pushed.
  // (The provider's own resume URL after its login page is /v1/authorize/<uid>.)
  const authorize = watch.urls.filter((url) => new URL(url).pathname.endsWith('/v1/authorize'));
  expect(authorize.length).toBeGreaterThan(0);
  for (const url of authorize) {
    const params = new URL(url).searchParams;
    expect(params.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(params.has('code_challenge')).toBe(false);
    expect(params.has('scope')).toBe(false);
  }

  await page.getByRole('button', { name: 'Load secure data' }).click();
  await page.getByTestId('secure-data').getByText('You are authenticated!').waitFor();

  const { answer, seen } = await callOrdersApi(page);
  expect(seen.aud).toBe('api://orders');
  // A DPoP-bound token with its proof (the API refuses anything else).
  expect(seen.scheme).toBe('DPoP');
  expect(seen.headers).toContain('dpop');
  expect(seen.headers).not.toContain('cookie');
  await answer.scrollIntoViewIfNeeded();
  await screenshot(page, 'bound-tokens-orders');

  await watch.assertNoTokens();
  // The session's key stays sealed on the server: no private JWK in any log line either.
  expect(demo.log.join('')).not.toMatch(/"d":"[\w-]{40,}"/);
  await context.close();
});
