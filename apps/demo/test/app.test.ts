import { createGatehouse, MemoryStore } from '@gatehouse/server';
import { pino } from 'pino';
import { afterAll, expect, test } from 'vitest';
import { buildDemoApp } from '../server/app.js';
import { freePort } from '@gatehouse/dev-idp/testing';

const gatehouse = createGatehouse({
  issuer: `http://localhost:${await freePort()}/oauth2/default`, // nothing listens there
  clientId: 'gatehouse-demo',
  clientSecret: 'gatehouse-demo-secret',
  backendUrl: 'http://localhost:7156',
  frontendUrl: 'http://localhost:5173',
  sessionSecret: 'demo-test-secret-'.repeat(3),
  sessionStore: new MemoryStore(),
  httpTimeout: 1,
  logger: pino({ level: 'silent' }),
});
const app = await buildDemoApp({ gatehouse });
afterAll(async () => {
  await app.close();
  await gatehouse.close();
});

test('with the provider down, /healthz is 200, /login a readable 503, /secure-data a 401', async () => {
  expect((await app.inject('/healthz')).statusCode).toBe(200);
  const login = await app.inject('/login');
  expect(login.statusCode).toBe(503);
  expect(login.headers['content-type']).toContain('text/html');
  expect(login.body).toContain('The identity provider is unreachable right now.');
  const data = await app.inject('/secure-data');
  expect(data.statusCode).toBe(401);
  expect(data.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
  expect(data.json()).toEqual({
    error: 'unauthorized',
    error_description: 'Sign in to access this resource.',
  });
});

test('an unknown API path is a JSON 404, not an HTML page', async () => {
  const response = await app.inject('/nope');
  expect(response.statusCode).toBe(404);
});
