import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  openSignInPopup,
  screenshot,
  signInWithPopup,
  submitLogin,
  waitForSignedIn,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

let demo: Demo;
let browser: Browser;

withDemoAndBrowser({ topology: 'two-origin' }, (d, b) => ([demo, browser] = [d, b]));

test('sign-out ends the session in every tab and at the provider', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);

  const otherTab = await context.newPage();
  await otherTab.goto(demo.frontendUrl);
  await waitForSignedIn(otherTab);

  await page.getByRole('button', { name: 'Sign out' }).click();
  // Through the provider's end-session page and back to the app, signed out.
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
  expect(watch.urls.some((url) => url.startsWith(`${demo.idp.issuer}/v1/logout?`))).toBe(true);
  expect(new URL(page.url()).origin).toBe(demo.frontendUrl);
  expect(await page.getByRole('alert').count()).toBe(0);
  await screenshot(page, 'sign-out-signed-out');

  // The other tab was told on the BroadcastChannel: signed out without a reload.
  await otherTab.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
  expect(await otherTab.getByRole('alert').count()).toBe(0);
  await screenshot(otherTab, 'sign-out-other-tab');
  expect(demo.store.keys.size).toBe(0);
  const me = await otherTab.evaluate(
    async (url) => (await fetch(`${url}/me`, { credentials: 'include' })).status,
    demo.backendUrl,
  );
  expect(me).toBe(401);

  // The provider session ended too: signing in again shows its login page.
  const popup = await openSignInPopup(page);
  await popup.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await screenshot(popup, 'sign-out-provider-login-again');
  const closed = popup.waitForEvent('close');
  await submitLogin(popup, ADA);
  await closed;
  await waitForSignedIn(page);
  // ...and the sign-in reaches the other tab as well.
  await waitForSignedIn(otherTab);

  await watch.assertNoTokens();
  // The one allowed token in a URL was seen exactly once: the end-session request.
  expect(watch.endSessionRequests).toHaveLength(1);
  await context.close();
});
