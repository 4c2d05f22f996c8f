import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  docsScreenshot,
  newSession,
  openSignedOut,
  screenshot,
  signInWithPopup,
  VIEWPORT,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

let demo: Demo;
let browser: Browser;

withDemoAndBrowser({ topology: 'two-origin' }, (d, b) => ([demo, browser] = [d, b]));

test('popup sign-in through the provider login page, then secure data', async () => {
  const { context, page, watch } = await newSession(browser, demo);

  // Hold the first session check to see the loading screen.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(`${demo.backendUrl}/me`, async (route) => {
    await held;
    // StrictMode's first check may be aborted by then: nothing left to continue.
    await route.continue().catch(() => {});
  });
  await page.goto(demo.frontendUrl);
  await page.getByRole('status').getByText('Authenticating...').waitFor();
  await screenshot(page, 'popup-authenticating');
  release();
  await openSignedOut(page, demo);
  await page.unroute(`${demo.backendUrl}/me`);
  await screenshot(page, 'popup-signed-out');

  await signInWithPopup(page, ADA, 'popup');
  // The opener heard from the popup, and what it heard is the message type alone.
  const messages = await page.evaluate(() => window.__gatehouseMessages ?? []);
  expect(messages).toContain('{"type":"gatehouse:signed-in"}');

  await expect.poll(() => page.getByTestId('user-name').textContent()).toBe(ADA.name);
  expect(await page.getByTestId('user-email').textContent()).toBe(ADA.email);
  expect(await page.getByTestId('user-groups').getByRole('listitem').allTextContents()).toEqual([
    'Everyone',
    'admins',
  ]);
  expect(await page.getByTestId('session-remaining').textContent()).toMatch(/^\d/);
  await watch.quiet(); // the dashboard's own requests have answered
  await screenshot(page, 'popup-signed-in');
  await docsScreenshot(page);

  await page.getByRole('button', { name: 'Load secure data' }).click();
  const data = page.getByTestId('secure-data');
  await data.waitFor();
  expect(JSON.parse((await data.textContent())!)).toMatchObject({
    message: 'You are authenticated!',
    user: ADA.name,
  });
  await screenshot(page, 'popup-secure-data');
  // The same screen on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'popup-secure-data-phone');
  await page.setViewportSize(VIEWPORT);

  // A reload keeps the session: the HttpOnly cookie is all the page needs.
  await page.reload();
  await page.getByRole('heading', { name: 'Welcome to your application!' }).waitFor();

  await watch.assertNoTokens();
  await context.close();
});
