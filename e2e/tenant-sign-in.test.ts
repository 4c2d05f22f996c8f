import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  openSignInPopup,
  screenshot,
  submitLogin,
  waitForSignedIn,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

const ACME_ADA = { email: 'ada@acme.example', password: 'ada-acme-password', name: 'Ada Byron' };

let demo: Demo;
let browser: Browser;

withDemoAndBrowser({ topology: 'two-origin', acme: true }, (d, b) => ([demo, browser] = [d, b]));

test('an @acme.example work email signs in at the Acme tenant, with the email filled in', async () => {
  const { page } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await page.getByLabel('Work email').fill(ACME_ADA.email);
  await screenshot(page, 'tenant-work-email');
  const popup = await openSignInPopup(page);
  expect(popup.url().startsWith(`${demo.idp.url}/interaction/acme/`)).toBe(true);
  await popup.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  expect(await popup.getByLabel('Email').inputValue()).toBe(ACME_ADA.email);
  const closed = popup.waitForEvent('close');
  await submitLogin(popup, ACME_ADA);
  await closed;
  await waitForSignedIn(page);
  expect(await page.getByTestId('user-name').textContent()).toBe(ACME_ADA.name);
});

test('an Acme user cannot sign in at the default tenant, where other emails go', async () => {
  const { page } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await page.getByLabel('Work email').fill(ADA.email);
  const popup = await openSignInPopup(page);
  expect(popup.url().startsWith(`${demo.idp.url}/interaction/`)).toBe(true);
  expect(popup.url().startsWith(`${demo.idp.url}/interaction/acme/`)).toBe(false);
  await submitLogin(popup, ACME_ADA);
  await popup.getByText('Wrong email or password').waitFor();
  await submitLogin(popup, ADA);
  await waitForSignedIn(page);
  expect(await page.getByTestId('user-name').textContent()).toBe(ADA.name);
});
