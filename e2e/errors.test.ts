import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  openSignInPopup,
  screenshot,
  signInWithPopup,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

let demo: Demo;
let browser: Browser;

withDemoAndBrowser({ topology: 'two-origin' }, (d, b) => ([demo, browser] = [d, b]));

test('"Cancel" on the provider login page in the popup shows "Access denied"', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  const popup = await openSignInPopup(page);
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: 'Cancel' }).click();
  await closed;

  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.getAttribute('data-code')).toBe('access_denied');
  expect(await alert.textContent()).toContain('Access denied');
  expect(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible()).toBe(true);
  await screenshot(page, 'errors-access-denied-popup');
  expect(demo.store.keys.size).toBe(0);

  await watch.assertNoTokens();
  await context.close();
});

test('"Cancel" in a redirect sign-in shows a readable page with a way back to the app', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await page.getByRole('button', { name: 'Sign in with redirect' }).click();
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  const callback = page.waitForResponse((r) =>
    r.url().startsWith(`${demo.backendUrl}/signin-oidc?`),
  );
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect((await callback).status()).toBe(403);

  await page.getByRole('heading', { name: 'Sign-in did not complete' }).waitFor();
  expect(await page.locator('body').textContent()).toContain('access_denied');
  await screenshot(page, 'errors-access-denied-redirect');
  await page.getByRole('link', { name: 'Back to the app' }).click();
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();

  await watch.assertNoTokens();
  await context.close();
});

test('a sign-in window the user closes returns to signed-out with a message', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  const popup = await openSignInPopup(page);
  await popup.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await popup.close();

  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.getAttribute('data-code')).toBe('popup_closed');
  expect(await alert.textContent()).toContain('Sign-in window closed');
  await screenshot(page, 'errors-popup-closed');

  await watch.assertNoTokens();
  await context.close();
});

test('a backend that cannot be reached shows a readable error and a way to try again', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await page.route(`${demo.backendUrl}/me`, (route) => route.abort('connectionrefused'));
  await page.goto(demo.frontendUrl);
  await page.getByRole('heading', { name: 'We could not check your session' }).waitFor();
  expect(await page.getByRole('alert').getAttribute('data-code')).toBe('network_error');
  await screenshot(page, 'errors-backend-unreachable');

  await page.unroute(`${demo.backendUrl}/me`);
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();

  await watch.assertNoTokens();
  await context.close();
});

test('a session ended on the server: the next API call turns the UI to signed-out', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);
  // Let the dashboard's own first requests finish, so the click below is the next API call.
  await watch.quiet();

  await demo.store.deleteAll();
  await page.getByRole('button', { name: 'Load secure data' }).click();
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
  const alert = page.getByRole('alert');
  expect(await alert.getAttribute('data-code')).toBe('session_expired');
  expect(await alert.textContent()).toContain('Session expired');
  await screenshot(page, 'errors-session-ended');

  await watch.assertNoTokens();
  await context.close();
});
