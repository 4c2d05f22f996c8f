import { startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { MemoryStore } from '@gatehouse/server';
import { afterAll, expect, test } from 'vitest';
import {
  captureLog,
  freePort,
  signInThroughBackend,
  startBackend,
  webClient,
  type Backend,
} from './support/stack.js';

let backend: Backend | undefined;
let idp: DevIdp | undefined;
afterAll(async () => {
  await backend?.close();
  await idp?.close();
});

test('the server starts while the provider is down, answers 503, and signs in once it is up', async () => {
  const [backendPort, idpPort] = [await freePort(), await freePort()];
  const backendUrl = `http://localhost:${backendPort}`;
  const { logger, lines } = captureLog();
  backend = await startBackend('fastify', backendPort, {
    issuer: `http://localhost:${idpPort}/oauth2/default`,
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl,
    frontendUrl: 'http://localhost:5999',
    sessionSecret: 'test-secret-'.repeat(4),
    sessionStore: new MemoryStore(),
    httpTimeout: 2,
    logger,
  });

  const down = await fetch(`${backendUrl}/login`, { redirect: 'manual' });
  expect(down.status).toBe(503);
  expect(await down.text()).toContain('The identity provider is unreachable right now.');
  expect(lines.join('')).toContain('provider discovery failed');
  const api = await fetch(`${backendUrl}/secure-data`);
  expect(api.status).toBe(401); // no session: a clear 401, not a 5xx or a hang

  idp = await startDevIdp({
    port: idpPort,
    keysFile: false,
    quiet: true,
    fixedDemoCredentials: true,
    clients: [webClient(backendUrl, 'http://localhost:5999')],
  });
  const callback = await signInThroughBackend({ backend, jar: new CookieJar() });
  expect(callback.status).toBe(302);
});
