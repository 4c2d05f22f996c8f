import { startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import type { GatehouseLogger, SessionStore } from '@gatehouse/server';
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import { captureLog, freePort, startBackend, type Backend } from './stack.js';

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
  const idp = await startDevIdp({
    port: 0,
    keysFile: false,
    quiet: true,
    fixedDemoCredentials: true,
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
