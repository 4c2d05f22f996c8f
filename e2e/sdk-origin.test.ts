import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  newSession,
  openSignedOut,
  signInWithPopup,
  withDemoAndBrowser,
} from './support/browser.js';
import { ADA, type Demo } from './support/demo.js';
import { sdkHarnessScript, startForeignHost, type ForeignHost } from './support/foreign-origin.js';

let demo: Demo;
let browser: Browser;
let foreign: ForeignHost;
let harness: string;

// Same origin: `baseUrl` is '' and a path such as `//host/x` resolves against the page. The
// foreign host is the same host on another port, so the browser would send it the session
// cookie (cookies ignore ports) if the SDK asked for credentials.
withDemoAndBrowser({ topology: 'same-origin' }, (d, b) => ([demo, browser] = [d, b]));
beforeAll(async () => {
  foreign = await startForeignHost(new URL(demo.frontendUrl).origin);
  harness = await sdkHarnessScript();
});
afterAll(() => foreign?.close());

test('the SDK sends the cookie and X-CSRF only to the backend, and a foreign 401 neither signs out nor steps up', async () => {
  const { context, page, watch } = await newSession(browser, demo);
  await openSignedOut(page, demo);
  await signInWithPopup(page, ADA);
  expect((await context.cookies()).some((c) => c.name === 'gatehouse')).toBe(true);
  await page.addScriptTag({ content: harness });
  await page.waitForFunction(() => window.sdk?.status === 'signed-in');
  let popups = 0;
  page.on('popup', () => popups++);

  // useAuthFetch: a path from data that leads to another origin is refused, never sent.
  const other = `localhost:${foreign.port}`;
  for (const path of [`//${other}/step-up`, `http://${other}/step-up`, `//${other}/plain`]) {
    const answer = await page.evaluate(
      (p) => window.sdk!.authFetch(p, { method: 'POST', json: { secret: 'body' } }),
      path,
    );
    expect(answer, path).toMatchObject({ code: 'foreign_origin', status: 0 });
  }
  // The backend itself is still reached, with the cookie.
  expect(await page.evaluate(() => window.sdk!.authFetch('/me'))).toMatchObject({
    body: { user: { email: ADA.email } },
  });

  // axios with the interceptors: a foreign request goes out as the app wrote it, without the
  // cookie or X-CSRF, and its 401 is not taken for the session's end.
  for (const path of ['/plain', '/step-up']) {
    const answer = await page.evaluate(
      (url) => window.sdk!.axiosPost(url),
      `http://${other}${path}`,
    );
    expect(answer).toMatchObject({ status: 401 });
  }
  expect(foreign.requests.filter((r) => r.method !== 'OPTIONS')).toHaveLength(2);
  for (const request of foreign.requests) {
    expect(request.cookie, `${request.method} ${request.path}`).toBeUndefined();
    expect(request.xCsrf, `${request.method} ${request.path}`).toBeUndefined();
  }
  expect(await page.evaluate(() => window.sdk!.unauthorized())).toBe(0);
  expect(popups).toBe(0);
  expect(await page.evaluate(() => [window.sdk!.status, window.sdk!.errorCode])).toEqual([
    'signed-in',
    null,
  ]);
  await page.getByRole('heading', { name: 'Welcome to your application!' }).waitFor();

  await watch.assertNoTokens();
  await context.close();
});
