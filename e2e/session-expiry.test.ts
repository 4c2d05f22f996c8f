import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  screenshot,
  signInWithPopup,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';

let demo: Demo;
let browser: Browser;

withDemoAndBrowser(
  { topology: 'two-origin', gatehouse: { idleTimeout: 2 } },
  (d, b) => ([demo, browser] = [d, b]),
);

test('an idle session that expires sends the UI back to signed-out', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);
  const expiresAt = Number(
    await page.evaluate(
      async (url) =>
        (await (await fetch(`${url}/me`, { credentials: 'include' })).json()).expiresAt,
      demo.backendUrl,
    ),
  );
  expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(2);

  // No click, no reload: the app checks again when the session's expiry passes.
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor({ timeout: 15_000 });
  const alert = page.getByRole('alert');
  expect(await alert.getAttribute('data-code')).toBe('session_expired');
  expect(await alert.textContent()).toContain('Session expired');
  await screenshot(page, 'session-expired');

  await watch.assertNoTokens();
  await context.close();
});
