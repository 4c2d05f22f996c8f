import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  screenshot,
  signInWithPopup,
  signInWithRedirect,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

// Production: `npm run build`, then the backend serves the built front end from its origin.
let demo: Demo;
let browser: Browser;

withDemoAndBrowser({ topology: 'same-origin' }, (d, b) => ([demo, browser] = [d, b]));

test('one origin: popup sign-in, secure data and sign-out, with no cross-origin call', async () => {
  expect(demo.frontendUrl).toBe(demo.backendUrl);
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA, 'same-origin');
  await page.getByRole('button', { name: 'Load secure data' }).click();
  await page.getByTestId('secure-data').getByText('You are authenticated!').waitFor();
  await screenshot(page, 'same-origin-secure-data');

  // The app called its own origin only (VITE_BASE_REST_URL is empty in this build).
  const appCalls = watch.urls.filter((url) =>
    /\/(me|secure-data|logout)$/.test(new URL(url).pathname),
  );
  expect(appCalls.length).toBeGreaterThan(0);
  for (const url of appCalls) expect(new URL(url).origin).toBe(demo.backendUrl);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
  expect(demo.store.keys.size).toBe(0);

  await watch.assertNoTokens();
  await context.close();
});

test('one origin: redirect sign-in returns to the deep link the backend served', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo, '/orders/42?view=full');
  await signInWithRedirect(page);
  expect(page.url()).toBe(`${demo.backendUrl}/orders/42?view=full`);
  await screenshot(page, 'same-origin-signed-in');

  await watch.assertNoTokens();
  await context.close();
});
