/**
 * Neighbours that fail: the provider down during a sign-in or a refresh, slow, or answering
 * 500; the SQLite file locked. Each gives a 5xx with a readable message, a log line that says
 * what failed, a bounded wait, and works again once the neighbour is back, without a restart.
 * (The provider down when the server starts: provider-outage.test.ts.)
 */
import Database from 'better-sqlite3';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { HostileProvider } from './hostile/provider.js';
import { failures, signIn, startRelyingParty, type RelyingParty } from './hostile/relying-party.js';
import { setCookie } from './support/stack.js';

let hostile: HostileProvider;
let rp: RelyingParty | undefined;
beforeAll(async () => {
  hostile = await HostileProvider.start();
});
afterAll(() => hostile.close());
afterEach(async () => {
  await rp?.close();
  rp = undefined;
  await hostile.resume().catch(() => {}); // a test that paused it and failed
  hostile.reset();
});

async function start(options: Parameters<typeof startRelyingParty>[1] = {}) {
  rp = await startRelyingParty(hostile, options);
  return rp;
}

/** The last line Gatehouse logged at error level: what failed, for the operator. */
function lastError(rp: RelyingParty): { msg: string; detail?: string } {
  return failures(rp.log).at(-1)!;
}

async function expectErrorPage(response: Response | undefined, status: number, message: string) {
  expect(response).toBeDefined();
  const html = await response!.text();
  expect(response!.status, html).toBe(status);
  expect(response!.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(html).toContain(message);
  expect(html).toContain('Back to the app');
  expect(setCookie(response!, 'gatehouse')).toBeUndefined();
}

async function expectSignInWorks(rp: RelyingParty) {
  const { callback } = await signIn(rp);
  expect(callback?.status).toBe(302);
  expect(setCookie(callback!, 'gatehouse')).toBeDefined();
}

describe('the provider down', () => {
  test('during the callback (after /login, before the code is redeemed): a 503 page, then sign-in works when it is back', async () => {
    const rp = await start();
    const { jar } = await signIn(rp); // discovery and keys loaded
    const first = await jar.fetch(`${rp.url}/login`);
    const authorize = await jar.fetch(first.headers.get('location')!);
    await hostile.pause();
    const callback = await jar.fetch(authorize.headers.get('location')!);
    await expectErrorPage(
      callback,
      503,
      'The identity provider is unreachable right now. Try again in a moment.',
    );
    expect(lastError(rp).msg).toBe(
      'sign-in callback: The identity provider is unreachable right now. Try again in a moment.',
    );
    expect(lastError(rp).detail).toMatch(/^callback: fetch failed \(cause: connect ECONNREFUSED/);

    await hostile.resume();
    await expectSignInWorks(rp);
  });

  test('during a refresh: a 503 JSON answer, the session is kept, and works again when it is back', async () => {
    const rp = await start();
    hostile.accessTokenTtl = 0; // the next API call refreshes
    const { jar } = await signIn(rp);
    expect(rp.store.size).toBe(1);
    await hostile.pause();

    const response = await jar.fetch(`${rp.url}/secure-data`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The identity provider is unreachable right now. Try again in a moment.',
    });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(lastError(rp).detail).toMatch(/^refresh: fetch failed \(cause: connect ECONNREFUSED/);
    expect(rp.store.size).toBe(1); // not signed out by an outage

    await hostile.resume();
    expect((await jar.fetch(`${rp.url}/secure-data`)).status).toBe(200);
  });
});

describe('the provider slow', () => {
  test('a token endpoint slower than httpTimeout: a 504 page within the timeout, then sign-in works', async () => {
    const rp = await start({ httpTimeout: 1 });
    await expectSignInWorks(rp);
    hostile.delays.set('token', 10_000);
    const started = Date.now();
    const { callback } = await signIn(rp);
    await expectErrorPage(callback, 504, 'The identity provider did not answer in time.');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lastError(rp).detail).toMatch(/^callback: /);
    expect(lastError(rp).msg).toBe(
      'sign-in callback: The identity provider did not answer in time. Try again in a moment.',
    );

    hostile.delays.clear();
    await expectSignInWorks(rp);
  });

  test('a token endpoint that sends headers, then stalls its body: a 504 page within the timeout', async () => {
    const rp = await start({ httpTimeout: 1 });
    hostile.mode = 'token-body-stalls';
    const started = Date.now();
    const { callback } = await signIn(rp);
    await expectErrorPage(callback, 504, 'The identity provider did not answer in time.');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(rp.store.size).toBe(0);
  });

  test('discovery slower than httpTimeout: /login is a 504 page within the timeout, then works', async () => {
    const rp = await start({ httpTimeout: 1 });
    hostile.delays.set('discovery', 10_000);
    const started = Date.now();
    const login = await fetch(`${rp.url}/login`, { redirect: 'manual' });
    await expectErrorPage(login, 504, 'The identity provider did not answer in time.');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(failures(rp.log)).toContainEqual(
      expect.objectContaining({
        msg: 'provider discovery failed: The identity provider did not answer in time. Try again in a moment.',
        detail: expect.stringMatching(/^discovery: OAUTH_TIMEOUT/),
      }),
    );

    hostile.delays.clear();
    await expectSignInWorks(rp);
  });
});

describe('the provider answering 500', () => {
  test('the JWKS endpoint: a 503 page that says to try again, a log line naming the JWKS, then sign-in works', async () => {
    const rp = await start();
    hostile.mode = 'jwks-500';
    const { callback } = await signIn(rp);
    await expectErrorPage(
      callback,
      503,
      'The identity provider is unreachable right now. Try again in a moment.',
    );
    expect(lastError(rp).detail).toContain(`HTTP 500 from ${hostile.issuer}/jwks`);
    expect(rp.store.size).toBe(0);

    hostile.mode = 'honest';
    await expectSignInWorks(rp);
  });

  test('the token endpoint with an HTML error page (a proxy in front of it): a 503 page, then sign-in works', async () => {
    const rp = await start();
    hostile.mode = 'token-500-html';
    const { callback } = await signIn(rp);
    await expectErrorPage(
      callback,
      503,
      'The identity provider is unreachable right now. Try again in a moment.',
    );
    expect(lastError(rp).detail).toContain(`HTTP 500 from ${hostile.issuer}/token`);

    hostile.mode = 'honest';
    await expectSignInWorks(rp);
  });
});

describe('the SQLite file unwritable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-outage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** How long the event loop stood still while SQLite waited for the lock. */
  let stalledMs = 0;

  test('locked by another process: sign-in is a 503 page after the busy timeout, then works once the lock is gone', async () => {
    const path = join(dir, 'sessions.db');
    const rp = await start({ sessionStore: new SqliteStore(path) });
    await expectSignInWorks(rp);

    // Another process (a backup, a second instance on the same file) holds the write lock.
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    let last = Date.now();
    const ticker = setInterval(() => {
      stalledMs = Math.max(stalledMs, Date.now() - last);
      last = Date.now();
    }, 20);
    try {
      const started = Date.now();
      const { callback } = await signIn(rp);
      await expectErrorPage(
        callback,
        503,
        'The session store is not available right now. Try again in a moment.',
      );
      expect(Date.now() - started).toBeLessThan(8000); // better-sqlite3's 5 s busy timeout
      expect(lastError(rp).detail).toMatch(
        /^sqlite .*sessions\.db: SqliteError: database is locked/,
      );
    } finally {
      clearInterval(ticker);
      other.exec('ROLLBACK');
      other.close();
    }
    await expectSignInWorks(rp);
  });

  // Regression: better-sqlite3 waits for a lock synchronously; with its default 5 s busy
  // timeout one waiting write froze every request. SqliteStore now waits 250 ms, then 503s.
  test('locked by another process: other requests are still answered while a write waits', () => {
    expect(stalledMs).toBeGreaterThan(0); // the test above ran
    expect(stalledMs).toBeLessThan(1000);
  });
});
