import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  signInWithPopup,
  waitForSignedIn,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

let demo: Demo;
let browser: Browser;

// The demo's front end built with <AuthProvider silent> (registered before the build below).
beforeAll(() => {
  process.env.VITE_SILENT_SIGN_IN = 'on';
});
afterAll(() => {
  delete process.env.VITE_SILENT_SIGN_IN;
});
withDemoAndBrowser({ topology: 'two-origin' }, (d, b) => ([demo, browser] = [d, b]));

test('silent sign-in: signed in at the provider, app session gone, a reload signs in without a click', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  // Signed out at the provider too: the silent try comes back signed out, no error page.
  await openSignedOut(page, demo, '/reports');
  expect(page.url()).toBe(`${demo.frontendUrl}/reports`);
  expect(await page.getByRole('alert').count()).toBe(0);

  await signInWithPopup(page, ADA);
  // The app's session ends; the provider's lives on.
  await demo.store.deleteAll();
  await page.reload();
  await waitForSignedIn(page);
  expect(await page.getByTestId('user-name').textContent()).toBe(ADA.name);
  expect(page.url()).toBe(`${demo.frontendUrl}/reports`);

  await watch.assertNoTokens();
  await context.close();
});

test('with the flag signing out sets in this tab, a reload stays signed out (no silent try)', async () => {
  const { context, page } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);
  // The flag `signOut()` sets (react test › signing out sets the flag); the app session ends.
  await page.evaluate(() => sessionStorage.setItem('gatehouse:silent', '1'));
  await demo.store.deleteAll();
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
  await context.close();
});
