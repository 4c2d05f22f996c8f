import { CookieJar } from '@gatehouse/dev-idp/testing';
import { MemoryStore, type GatehouseOptions } from '@gatehouse/server';
import { expect } from 'vitest';
import {
  captureLog,
  freePort,
  setCookie,
  startBackend,
  type Backend,
  type Framework,
} from '../support/stack.js';
import { CLIENT, type HostileProvider } from './provider.js';

export const FRONTEND_URL = 'http://localhost:5999';

/** A Gatehouse backend (Fastify unless told) signing in at the hostile provider. */
export interface RelyingParty {
  backend: Backend;
  url: string;
  store: MemoryStore;
  /** Gatehouse's log lines, as written (JSON). */
  log: string[];
  close(): Promise<void>;
}

/**
 * `options` override Gatehouse's (a `sessionStore` there replaces `store`, then unused).
 * `backendUrl` puts a second instance behind the first one's BACKEND_URL (scale-out).
 */
export async function startRelyingParty(
  hostile: HostileProvider,
  options: Partial<GatehouseOptions> = {},
  { framework = 'fastify', backendUrl }: { framework?: Framework; backendUrl?: string } = {},
): Promise<RelyingParty> {
  const port = await freePort();
  const store = new MemoryStore();
  const { logger, lines } = captureLog();
  const backend = await startBackend(framework, port, {
    issuer: hostile.issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    backendUrl: backendUrl ?? `http://localhost:${port}`,
    frontendUrl: FRONTEND_URL,
    sessionSecret: 'hostile-test-secret-'.repeat(2),
    sessionStore: store,
    logger,
    ...options,
  });
  return { backend, url: backend.url, store, log: lines, close: () => backend.close() };
}

/** What a browser saw at each step of a sign-in; a step is missing when an earlier one stopped. */
export interface SignInSteps {
  jar: CookieJar;
  login: Response;
  authorize?: Response;
  callback?: Response;
}

/**
 * Drives a sign-in as a browser would: `/login`, the provider's authorization endpoint (which
 * approves at once), and back to the callback, stopping at the first answer that is not a
 * redirect onwards.
 */
export async function signIn(
  rp: Pick<RelyingParty, 'url'>,
  { query = '', jar = new CookieJar() }: { query?: string; jar?: CookieJar } = {},
): Promise<SignInSteps> {
  const login = await jar.fetch(`${rp.url}/login${query}`);
  if (login.status !== 302) return { jar, login };
  const authorize = await jar.fetch(login.headers.get('location')!);
  if (authorize.status !== 302) return { jar, login, authorize };
  const callback = await jar.fetch(authorize.headers.get('location')!);
  return { jar, login, authorize, callback };
}

/** The structured log lines Gatehouse wrote at warn level or above. */
export function failures(log: string[]): { code?: string; detail?: string; msg: string }[] {
  return log
    .map(
      (line) => JSON.parse(line) as { level: number; code?: string; detail?: string; msg: string },
    )
    .filter((entry) => entry.level >= 40);
}

/**
 * A refused sign-in: a readable 4xx HTML page, no session cookie, nothing kept in the store.
 */
export async function expectRefusedPage(
  rp: RelyingParty,
  response: Response | undefined,
  status: number,
): Promise<string> {
  expect(response, 'the browser never reached the step that should refuse').toBeDefined();
  const html = await response!.text();
  expect(response!.status, html).toBe(status);
  expect(response!.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(html).toContain('Sign-in did not complete');
  expect(setCookie(response!, 'gatehouse')).toBeUndefined();
  expect(rp.store.size).toBe(0);
  return html;
}
