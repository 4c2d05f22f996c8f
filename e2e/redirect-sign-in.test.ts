import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  screenshot,
  signInWithRedirect,
  submitLogin,
  waitForSignedIn,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

let demo: Demo;
let browser: Browser;

withDemoAndBrowser({ topology: 'two-origin' }, (d, b) => ([demo, browser] = [d, b]));

test('redirect sign-in comes back to the page the user was on', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo, '/reports?tab=2');

  await page.getByRole('button', { name: 'Sign in with redirect' }).click();
  await page.waitForURL((url) => url.href.startsWith(demo.idp.url));
  await screenshot(page, 'redirect-provider-login');
  await submitLogin(page, ADA);

  await waitForSignedIn(page);
  expect(page.url()).toBe(`${demo.frontendUrl}/reports?tab=2`);
  expect(await page.getByTestId('user-name').textContent()).toBe(ADA.name);
  // The redirect's one-time flag is gone once the app is back.
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  await screenshot(page, 'redirect-signed-in');

  await page.getByRole('button', { name: 'Load secure data' }).click();
  await page.getByTestId('secure-data').getByText('You are authenticated!').waitFor();

  await watch.assertNoTokens();
  await context.close();
});

test('a second redirect sign-in reuses the provider session (single sign-on)', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithRedirect(page);

  // A new tab of the same browser is signed in at once, through the session cookie.
  const second = await context.newPage();
  await second.goto(`${demo.frontendUrl}/settings`);
  await waitForSignedIn(second);

  // Only the app session ends; the provider's lives on, so no login page shows this time.
  await demo.store.deleteAll();
  await second.reload();
  await second.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
  await second.getByRole('button', { name: 'Sign in with redirect' }).click();
  await waitForSignedIn(second);
  expect(second.url()).toBe(`${demo.frontendUrl}/settings`);

  await watch.assertNoTokens();
  await context.close();
});
