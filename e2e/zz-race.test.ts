import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, newSession, openSignedOut, signInWithPopup } from './support/browser.js';
import { startDemo, type Demo } from './support/demo.js';
let demo: Demo; let browser: Browser;
beforeAll(async () => { [demo, browser] = await Promise.all([startDemo(), launchBrowser()]); });
afterAll(async () => { await browser?.close(); await demo?.close(); });
test('race', async () => {
  let closedPath = 0; let total = 0;
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 4 }, async () => {
      const { context, page } = await newSession(browser, demo);
      await openSignedOut(page, demo);
      await signInWithPopup(page);
      await page.waitForTimeout(500);
      const m = await page.evaluate(() => window.__gatehouseMessages ?? []);
      total++;
      if (!m.includes('{"type":"signed-in"}')) closedPath++;
      await context.close();
    }));
  }
  console.log('RESULT closedPath', closedPath, 'of', total);
  expect(total).toBe(12);
}, 300_000);
