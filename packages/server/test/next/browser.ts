/**
 * Issue 23 in a real browser: Chromium on the example's signed-out home page, whose
 * `<Link href="/dashboard">` Next prefetches (on sight, and on hover) and then navigates to on
 * the click, both as RSC fetches that proxy.ts guards. The click must end at the dev IdP's
 * sign-in page, and signing in there at /dashboard, with nothing in the browser's console and
 * no warning or 400 in the Next server's log.
 */
import type { Response as PageResponse } from 'playwright-core';
import { expect } from 'vitest';
import { launchBrowser, submitLogin } from '../../../../e2e/support/browser.js';

const SIGNED_OUT_ME =
  'Failed to load resource: the server responded with a status of 401 (Unauthorized)';

/** What the browser saw; the server's log lines written meanwhile. */
export interface PrefetchRun {
  /** Console errors and warnings, uncaught page errors. */
  console: string[];
  /** The router's fetches of /dashboard (RSC requests): status and content type. */
  routerFetches: { status: number; contentType: string | undefined }[];
  /** Every request to /login, as requested. */
  logins: string[];
  /** The server's output while the browser ran. */
  serverLog: string;
}

/**
 * Opens `url` signed out, lets the Link to /dashboard be prefetched (hovering it too), clicks
 * it, signs in at the dev IdP and waits for the dashboard. `serverOutput` is all the Next
 * server has written so far.
 */
export async function prefetchClickSignIn(
  url: string,
  serverOutput: () => string,
): Promise<PrefetchRun> {
  const run: PrefetchRun = { console: [], routerFetches: [], logins: [], serverLog: '' };
  const logged = serverOutput().length;
  const started = Date.now();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() !== 'error' && message.type() !== 'warning') return;
      const line = `${message.type()}: ${message.text()} (${message.location().url})`;
      // The React SDK asks /me on mount, which answers a signed-out page 401: not this flow's.
      if (line === `error: ${SIGNED_OUT_ME} (${url}/me)`) return;
      run.console.push(line);
    });
    page.on('pageerror', (error) => run.console.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/login') run.logins.push(request.url());
    });
    const isRouterFetch = (response: PageResponse) =>
      new URL(response.url()).pathname === '/dashboard' && response.request().headers().rsc === '1';
    page.on('response', (response) => {
      if (!isRouterFetch(response)) return;
      const contentType = response.headers()['content-type'];
      run.routerFetches.push({ status: response.status(), contentType });
    });

    const prefetched = page.waitForResponse(isRouterFetch);
    await page.goto(`${url}/`);
    const link = page.getByRole('link', { name: 'Dashboard' });
    await link.hover();
    await prefetched;
    await link.click();
    await submitLogin(page);
    await page.waitForURL(`${url}/dashboard`);
    await expect.poll(() => page.getByTestId('server-user').count()).toBe(1);
  } finally {
    await browser.close();
    // A line an earlier test caused can reach the pipe after this run began: its time tells.
    run.serverLog = serverOutput()
      .slice(logged)
      .split('\n')
      .filter((line) => (loggedAt(line) ?? started) >= started)
      .join('\n');
  }
  return run;
}

/** When a JSON log line was written (pino's `time`), if it is one. */
function loggedAt(line: string): number | undefined {
  try {
    return (JSON.parse(line) as { time?: number }).time;
  } catch {
    return undefined;
  }
}

/** The server's JSON log lines at warn level or above, and any line that mentions a 400. */
export function serverWarnings(log: string): string[] {
  return log
    .split('\n')
    .filter(Boolean)
    .filter((line) => {
      if (/\b400\b/.test(line)) return true;
      try {
        return (JSON.parse(line) as { level?: number }).level! >= 40;
      } catch {
        return /warn|error/i.test(line);
      }
    });
}
