/**
 * Gatehouse on Fastify, called in-process with `app.inject` (no socket on the backend side),
 * signing in at the hostile provider: the harness of the property-based tests.
 */
import { createGatehouse, MemoryStore, type GatehouseOptions } from '@gatehouse/server';
import { gatehouseFastify } from '@gatehouse/server/fastify';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { captureLog } from '../support/stack.js';
import { CLIENT, type HostileProvider } from '../hostile/provider.js';

export const BACKEND_URL = 'http://localhost:7999';
export const FRONTEND_URL = 'http://localhost:5999';

export interface InjectableApp {
  app: FastifyInstance;
  store: MemoryStore;
  log: string[];
  close(): Promise<void>;
}

export async function injectableApp(
  hostile: HostileProvider,
  options: Partial<GatehouseOptions> = {},
): Promise<InjectableApp> {
  const store = new MemoryStore();
  const { logger, lines } = captureLog();
  const gatehouse = createGatehouse({
    issuer: hostile.issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    backendUrl: BACKEND_URL,
    frontendUrl: FRONTEND_URL,
    sessionSecret: 'fuzz-test-secret-'.repeat(2),
    sessionStore: store,
    logger,
    ...options,
  });
  const app = Fastify();
  await app.register(gatehouseFastify, { gatehouse });
  const data = async () => ({ message: 'You are authenticated!' });
  app.get('/secure-data', { preHandler: app.requireAuth }, data);
  app.post('/secure-data', { preHandler: app.requireAuth }, data);
  await app.ready();
  return {
    app,
    store,
    log: lines,
    async close() {
      await app.close();
      await gatehouse.close();
    },
  };
}

/** The Set-Cookie lines of an injected response. */
export function setCookies(response: LightMyRequestResponse): string[] {
  const header = response.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

/** The `name=value` part of each Set-Cookie line, joined as a browser would send them back. */
export function cookieHeader(response: LightMyRequestResponse): string {
  return setCookies(response)
    .map((line) => line.split(';')[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

/** No Set-Cookie starts a session: the session cookie is absent, or cleared (empty, Max-Age=0). */
export function expectNoSessionStarted(response: LightMyRequestResponse): void {
  for (const line of setCookies(response)) {
    if (line.startsWith('gatehouse=')) expect(line).toMatch(/^gatehouse=;.*Max-Age=0/);
  }
}

/**
 * A real sign-in through the injected app: `/login`, the hostile provider's authorization
 * endpoint (over the network), the callback. Returns the session cookie's value.
 */
export async function signInSession(app: FastifyInstance): Promise<string> {
  const login = await app.inject({ method: 'GET', url: '/login' });
  const authorize = await fetch(login.headers.location as string, { redirect: 'manual' });
  const callbackUrl = new URL(authorize.headers.get('location')!);
  const callback = await app.inject({
    method: 'GET',
    url: callbackUrl.pathname + callbackUrl.search,
    headers: { cookie: cookieHeader(login) },
  });
  expect(callback.statusCode).toBe(302);
  const session = /^gatehouse=([\w-]{43});/.exec(
    setCookies(callback).find((line) => line.startsWith('gatehouse=')) ?? '',
  )?.[1];
  expect(session).toBeDefined();
  return session!;
}
