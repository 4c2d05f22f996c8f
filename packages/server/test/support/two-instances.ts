import { type DevIdp } from '@gatehouse/dev-idp';
import type { GatehouseLogger, SessionStore } from '@gatehouse/server';
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { expect } from 'vitest';
import {
  captureLog,
  freePort,
  signInThroughBackend,
  startBackend,
  type Backend,
  startTestIdp,
} from './stack.js';

/** Two instances of one backend (Fastify and Express) on a shared store, and their dev IdP. */
export interface TwoInstances {
  idp: DevIdp;
  a: Backend;
  b: Backend;
  log: ReturnType<typeof captureLog>;
  close(): Promise<void>;
}

export const FRONTEND_URL = 'http://localhost:5999';

/**
 * Two instances behind one BACKEND_URL (as behind a load balancer), each with the store `stores`
 * gives it (a SESSION_STORE spelling or an instance logging to the shared log), and a dev IdP
 * that sends back-channel logouts to the first. A cookie jar keys cookies by host, not port, so
 * one browser talks to both.
 */
export async function startTwoInstances(
  stores: (logger: GatehouseLogger) => [string | SessionStore, string | SessionStore],
): Promise<TwoInstances> {
  const log = captureLog();
  const [portA, portB] = [await freePort(), await freePort()];
  const backendUrl = `http://localhost:${portA}`;
  const idp = await startTestIdp({
    clients: [
      {
        client_id: 'gatehouse-test',
        client_secret: 'gatehouse-test-secret',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [`${backendUrl}/signin-oidc`],
        post_logout_redirect_uris: [FRONTEND_URL],
        backchannel_logout_uri: `${backendUrl}/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
    ],
  });
  const options = {
    issuer: idp.issuer,
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl,
    frontendUrl: FRONTEND_URL,
    sessionSecret: 'scale-out-secret-'.repeat(3),
    logger: log.logger,
  };
  const [storeA, storeB] = stores(log.logger);
  const a = await startBackend('fastify', portA, { ...options, sessionStore: storeA });
  const b = await startBackend('express', portB, { ...options, sessionStore: storeB });
  return {
    idp,
    a,
    b,
    log,
    async close() {
      await a.close();
      await b.close();
      await idp.close();
    },
  };
}

/** A request from the browser of `jar` to one instance (cookies are kept by host, not port). */
export const on = (backend: Backend, jar: CookieJar, path = '/secure-data', init?: RequestInit) =>
  jar.fetch(`http://localhost:${new URL(backend.url).port}${path}`, init);

/**
 * Signs in on A, is served on B, signs out on B, then replays A's old cookie on A at once, as a
 * stolen copy would be: refused (a session ended on one instance is ended on all of them).
 */
export async function expectSignOutSeenEverywhere(a: Backend, b: Backend): Promise<void> {
  const jar = new CookieJar();
  await signInThroughBackend({ backend: a, jar });
  expect((await on(b, jar)).status).toBe(200);
  const cookie = jar.header(a.url)!;
  const logout = await on(b, jar, '/logout', { method: 'POST', headers: { 'x-csrf': '1' } });
  expect(logout.status).toBe(200);
  const replay = await fetch(`${a.url}/secure-data`, { headers: { cookie } });
  expect(replay.status).toBe(401);
}
