/**
 * Debian's Chromium through playwright-core, a watch on everything that could leak a token,
 * screenshots, and the steps a user takes on the demo and the dev IdP's pages.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Request,
} from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { ADA, ROOT, startDemo, type Demo, type DemoOptions } from './demo.js';

export const VIEWPORT = { width: 1200, height: 800 };
const ARTIFACTS = join(ROOT, 'e2e/artifacts');
const DOCS_SCREENSHOT = join(ROOT, 'docs/screenshot-signed-in.png');

/** Headless Chromium from `/usr/bin/chromium` (`.ci/run` installs it). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Saves `e2e/artifacts/<name>.png` (git-ignored; CI keeps them as artifacts). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled' });
}

/**
 * The README's screenshot, `docs/screenshot-signed-in.png`, at 1200x800. It is committed, and
 * the screen shows a clock, so it is written only with `UPDATE_SCREENSHOTS=1`
 * (`npm run screenshot`) or when missing: a plain `npm test` leaves the work tree clean.
 */
export async function docsScreenshot(page: Page): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1' && existsSync(DOCS_SCREENSHOT)) return;
  expect(page.viewportSize()).toEqual(VIEWPORT);
  // No hover or focus effect in the picture.
  await page.mouse.move(1, VIEWPORT.height - 1);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForFunction(() => document.querySelectorAll('button:hover').length === 0);
  await page.screenshot({ path: DOCS_SCREENSHOT, animations: 'disabled' });
}

// A JWT (header and payload are base64url JSON objects, so both start with `eyJ`), or an OAuth
// token as a URL parameter.
const JWT = /eyJ[\w-]*\.eyJ[\w-]*/;
const TOKEN_PARAMETER = /[?&#](access_token|refresh_token|id_token)=/i;

declare global {
  interface Window {
    __gatehouseMessages?: string[];
  }
}

/**
 * Records every URL a browser context requests or navigates to (popups and redirects
 * included) and every message its pages receive or broadcast, then checks that no token shows
 * anywhere JavaScript or a URL could carry it.
 */
export class TokenWatch {
  readonly urls: string[] = [];
  /** End-session URLs whose `id_token_hint` was allowed (see {@link assertNoTokens}). */
  readonly endSessionRequests: string[] = [];
  readonly #inFlight = new Set<Request>();

  private constructor(
    readonly context: BrowserContext,
    readonly demo: Demo,
  ) {
    context.on('request', (request) => {
      this.urls.push(request.url());
      this.#inFlight.add(request);
    });
    context.on('requestfinished', (request) => this.#inFlight.delete(request));
    context.on('requestfailed', (request) => this.#inFlight.delete(request));
    const watch = (page: Page) => page.on('framenavigated', (frame) => this.urls.push(frame.url()));
    context.pages().forEach(watch);
    context.on('page', watch);
  }

  static async attach(context: BrowserContext, demo: Demo): Promise<TokenWatch> {
    // Runs in every page before its own scripts: keeps what postMessage and BroadcastChannel
    // carried, for the check below.
    await context.addInitScript(() => {
      const seen: string[] = [];
      Object.defineProperty(window, '__gatehouseMessages', { value: seen });
      const keep = (data: unknown) => {
        try {
          seen.push(JSON.stringify(data));
        } catch {
          seen.push(String(data));
        }
      };
      window.addEventListener('message', (e) => keep(e.data), true);
      if (typeof BroadcastChannel === 'function') {
        const post = BroadcastChannel.prototype.postMessage;
        BroadcastChannel.prototype.postMessage = function (message: unknown) {
          keep(message);
          return post.call(this, message);
        };
      }
    });
    return new TokenWatch(context, demo);
  }

  /**
   * Resolves once no request of this browser context has been in flight for `quietMs` (a
   * page's `networkidle` load state fires once per navigation, not after later fetches).
   */
  async quiet(quietMs = 300, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      // A closed popup's last request never reports its end: only open pages count.
      for (const request of this.#inFlight) {
        if (request.frame().page().isClosed()) this.#inFlight.delete(request);
      }
      if (this.#inFlight.size > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `requests still in flight after ${timeoutMs} ms: ${[...this.#inFlight].map((r) => r.url())}`,
    );
  }

  /**
   * OpenID Connect RP-Initiated Logout 1.0 section 2: the end-session request carries the ID
   * token as `id_token_hint` so the provider knows whose session to end, and Okta's
   * `/v1/logout` refuses to sign out without it. That one parameter, on the provider's
   * end-session endpoint only, is the single place a token may travel in a URL (an ID token:
   * it grants no API access). Anything else is a leak.
   */
  #withoutEndSessionHint(url: string): string {
    if (!URL.canParse(url)) return url;
    const parsed = new URL(url);
    if (`${parsed.origin}${parsed.pathname}` !== `${this.demo.idp.issuer}/v1/logout`) return url;
    const hint = parsed.searchParams.get('id_token_hint');
    if (hint) {
      // The exception holds only for an ID token issued to this client, never an access token.
      const claims = JSON.parse(Buffer.from(hint.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({ aud: 'gatehouse-demo', iss: this.demo.idp.issuer });
      expect(claims).not.toHaveProperty('scp');
      this.endSessionRequests.push(url);
    }
    parsed.searchParams.delete('id_token_hint');
    return parsed.href;
  }

  /**
   * No token in any URL visited, in `localStorage`, `sessionStorage`, `document.cookie`, a
   * received or broadcast message, or a log line; the session cookie is HttpOnly.
   */
  async assertNoTokens(): Promise<void> {
    this.endSessionRequests.length = 0;
    const urls = [...new Set(this.urls)].map((url) => this.#withoutEndSessionHint(url));
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(url, 'a URL the browser visited').not.toMatch(JWT);
      expect(url, 'a URL the browser visited').not.toMatch(TOKEN_PARAMETER);
    }

    const cookies = await this.context.cookies();
    const session = cookies.find((c) => c.name === 'gatehouse');
    if (session) {
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(session.value.length).toBeLessThan(64);
    }
    const appOrigins = new Set([
      new URL(this.demo.frontendUrl).origin,
      new URL(this.demo.backendUrl).origin,
    ]);
    const appPages = this.context
      .pages()
      .filter(
        (page) =>
          !page.isClosed() &&
          URL.canParse(page.url()) &&
          appOrigins.has(new URL(page.url()).origin),
      );
    expect(appPages.length, 'an open page of the app to inspect').toBeGreaterThan(0);
    for (const page of appPages) {
      const seen = await page.evaluate(() => ({
        localStorage: Object.entries(localStorage),
        sessionStorage: Object.entries(sessionStorage),
        cookie: document.cookie,
        messages: window.__gatehouseMessages ?? [],
      }));
      const text = JSON.stringify(seen);
      expect(text, `storage, cookies and messages of ${page.url()}`).not.toMatch(JWT);
      for (const [key] of [...seen.localStorage, ...seen.sessionStorage]) {
        expect(key).not.toMatch(/token/i);
      }
      // HttpOnly: the session cookie is invisible to scripts.
      expect(seen.cookie).not.toMatch(/(^|;\s*)gatehouse(-tx)?=/);
      if (session) expect(text).not.toContain(session.value);
    }

    for (const line of this.demo.log) {
      expect(line, 'a log line').not.toMatch(JWT);
      if (session) expect(line, 'a log line').not.toContain(session.value);
    }
  }
}

/** A fresh browser profile (cookies, storage) at 1200x800, watched for token leaks. */
export async function newSession(browser: Browser, demo: Demo) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const watch = await TokenWatch.attach(context, demo);
  const page = await context.newPage();
  return { context, page, watch };
}

/** Opens the app and waits for the session check to end with the signed-out page. */
export async function openSignedOut(page: Page, demo: Demo, path = '/'): Promise<void> {
  await page.goto(new URL(path, demo.frontendUrl).href);
  await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
}

/** The dev IdP's login page: fills the form and submits it. */
export async function submitLogin(page: Page, user = ADA): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Clicks "Sign in" (popup mode) and resolves to the popup, showing the provider's page. */
export async function openSignInPopup(page: Page): Promise<Page> {
  const opened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const popup = await opened;
  await popup.waitForLoadState();
  return popup;
}

/** A full popup sign-in as `user`; resolves once the app shows the signed-in screen. */
export async function signInWithPopup(page: Page, user = ADA, shots?: string): Promise<void> {
  const popup = await openSignInPopup(page);
  await popup.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  if (shots) await screenshot(popup, `${shots}-provider-login`);
  const closed = popup.waitForEvent('close');
  await submitLogin(popup, user);
  await closed;
  await waitForSignedIn(page);
}

/** A full redirect sign-in as `user`; resolves once the app shows the signed-in screen. */
export async function signInWithRedirect(page: Page, user = ADA): Promise<void> {
  await page.getByRole('button', { name: 'Sign in with redirect' }).click();
  await submitLogin(page, user);
  await waitForSignedIn(page);
}

/** Waits for the signed-in screen. */
export async function waitForSignedIn(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Welcome to your application!' }).waitFor();
}

/**
 * Starts the demo and Chromium before this file's tests and stops both after them; `ready`
 * receives them.
 */
export function withDemoAndBrowser(
  options: DemoOptions,
  ready: (demo: Demo, browser: Browser) => void,
): void {
  let demo: Demo | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemo(options), launchBrowser()]);
    ready(demo, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });
}
