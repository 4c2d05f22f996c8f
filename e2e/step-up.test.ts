import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  screenshot,
  signInWithPopup,
  submitLogin,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

let demo: Demo;
let browser: Browser;

withDemoAndBrowser({ topology: 'two-origin' }, (d, b) => ([demo, browser] = [d, b]));

test('step-up: the admin action asks for the one-time code, then succeeds', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);

  // A password sign-in is not enough: the backend answers the RFC 9470 challenge, and the SDK
  // opens a step-up sign-in in a popup.
  const opened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Run admin action' }).click();
  const popup = await opened;
  await popup.waitForLoadState();
  await submitLogin(popup, ADA);
  await popup.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
  await screenshot(popup, 'step-up-code');
  const code = await popup.locator('#demo-code').textContent();
  const closed = popup.waitForEvent('close');
  await popup.getByLabel('One-time code').fill(code!);
  await popup.getByRole('button', { name: 'Verify' }).click();
  await closed;

  // The SDK retried the request once: it succeeds with the acr reached.
  const answer = page.getByTestId('admin-action');
  await answer.waitFor();
  expect(JSON.parse((await answer.textContent())!)).toMatchObject({
    message: 'Admin action done.',
    acr: 'urn:okta:loa:2fa:any',
  });
  await screenshot(page, 'step-up-done');

  await watch.assertNoTokens();
  await context.close();
});
