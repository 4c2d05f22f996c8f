import type { Browser, Page } from 'playwright-core';
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

test('with the silent flag already set in this tab, a reload stays signed out (no second try)', async () => {
  const { context, page } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);
  // The flag a silent try leaves in this tab (react test › a silent sign-in is tried once per
  // browser session: never a loop); the app session ends.
  await page.evaluate(() => sessionStorage.setItem('gatehouse:silent', '1'));
  await demo.store.deleteAll();
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
  await context.close();
});

/** The app shows the signed-out page and nothing is in flight: no silent try is under way. */
async function settledSignedOut(page: Page, watch: { quiet(): Promise<void> }): Promise<void> {
  await watch.quiet();
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor({ timeout: 5000 });
}

test('a sign-out blocks silent sign-in in every tab until the user signs in (provider without end-session URL)', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);
  const otherTab = await context.newPage();
  await otherTab.goto(demo.frontendUrl);
  await waitForSignedIn(otherTab);

  // A provider with no end-session endpoint: the backend answers `endSessionUrl: null`, so the
  // provider's session outlives the app's and `prompt=none` would sign the user back in.
  await context.route(`${demo.backendUrl}/logout`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { endSessionUrl: null } });
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await settledSignedOut(page, watch);
  await settledSignedOut(otherTab, watch);
  const signedOutAt = watch.urls.length;

  // The tab that heard of the sign-out, reloaded, and a tab opened now: no silent try.
  await otherTab.reload();
  await settledSignedOut(otherTab, watch);
  const newTab = await context.newPage();
  await newTab.goto(demo.frontendUrl);
  await settledSignedOut(newTab, watch);
  const silentTries = watch.urls.slice(signedOutAt).filter((url) => url.includes('prompt=none'));
  expect(silentTries).toEqual([]);
  expect(demo.store.keys.size).toBe(0);
  expect(await newTab.evaluate(() => localStorage.getItem('gatehouse:signed-out'))).toBe('1');

  // Signing in by hand lifts it: the provider session is still there, so no login form.
  await newTab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForSignedIn(newTab);
  expect(await newTab.evaluate(() => localStorage.getItem('gatehouse:signed-out'))).toBeNull();
  // ...and a later lost app session comes back silently again.
  await demo.store.deleteAll();
  await newTab.reload();
  await waitForSignedIn(newTab);

  await watch.assertNoTokens();
  await context.close();
});
