// The Fastify plugin is encapsulated: its routes, parsers, error handler and CORS stay its own,
// and an app that owns its CORS with @fastify/cors keeps it (issue 12).
import fastifyCors from '@fastify/cors';
import { createGatehouse, MemoryStore, type Gatehouse } from '@gatehouse/server';
import {
  gatehouseAuth,
  gatehouseFastify,
  requireAuth,
  requireGroup,
} from '@gatehouse/server/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silent } from './bearer/support.js';

const FRONTEND = 'http://localhost:5999';
const PARTNER = 'https://partner.example';

function gatehouseForTests(): Gatehouse {
  return createGatehouse({
    issuer: 'http://127.0.0.1:9/',
    clientId: 'fastify-plugin',
    clientSecret: 'fastify-plugin-secret',
    backendUrl: 'http://localhost:4997',
    frontendUrl: FRONTEND,
    sessionSecret: 'fastify-plugin-secret-'.repeat(2),
    sessionStore: new MemoryStore(),
    logger: silent,
  });
}

describe('an app with @fastify/cors for its own routes, and Gatehouse', () => {
  let gatehouse: Gatehouse;
  let app: FastifyInstance;
  beforeAll(async () => {
    gatehouse = gatehouseForTests();
    app = Fastify();
    // The app's own policy: a partner origin, no credentials. Registered first, at the root.
    await app.register(fastifyCors, { origin: [PARTNER], methods: ['GET', 'PUT'] });
    await app.register(gatehouseAuth);
    await app.register(gatehouseFastify, { gatehouse });
    app.get('/api/items', async (request) => ({ items: [], auth: request.auth }));
    app.put('/api/items', async () => ({ ok: true }));
    app.post('/api/form', async (request) => ({ body: request.body }));
    app.get('/secure-data', { preHandler: requireAuth(gatehouse) }, async () => ({ ok: true }));
    app.get('/admin-data', { preHandler: requireAuth(gatehouse, requireGroup('admins')) }, () => ({
      ok: true,
    }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await gatehouse.close();
  });

  test('registers: no route of the plugin clashes with @fastify/cors’s OPTIONS *', () => {
    for (const route of gatehouse.routes) {
      const url = route.withId ? `${route.path}/:id` : route.path;
      expect(app.hasRoute({ method: route.method, url }), url).toBe(true);
      expect(app.hasRoute({ method: 'OPTIONS', url }), url).toBe(true);
    }
    expect(app.printRoutes()).toContain('* (OPTIONS)'); // @fastify/cors's
  });

  test('the app’s routes keep the app’s CORS: its preflight and grant, none of Gatehouse’s', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/items',
      headers: { origin: PARTNER, 'access-control-request-method': 'PUT' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(PARTNER);
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, PUT');
    const get = await app.inject({ url: '/api/items', headers: { origin: PARTNER } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe(PARTNER);
    expect(get.headers['access-control-allow-credentials']).toBeUndefined();
    // request.auth is decorated on every route (null where no guard ran).
    expect(get.json()).toEqual({ items: [], auth: null });
    const fromFrontend = await app.inject({ url: '/api/items', headers: { origin: FRONTEND } });
    expect(fromFrontend.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('Gatehouse’s routes keep Gatehouse’s CORS: FRONTEND_URL with credentials, 403 to others', async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/logout',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-csrf',
        },
      });
    const ours = await preflight(FRONTEND);
    expect(ours.statusCode).toBe(204);
    expect(ours.headers['access-control-allow-origin']).toBe(FRONTEND);
    expect(ours.headers['access-control-allow-credentials']).toBe('true');
    expect(ours.headers['access-control-allow-headers']).toContain('X-CSRF');
    const partner = await preflight(PARTNER);
    expect(partner.statusCode).toBe(403);
    expect(partner.headers['access-control-allow-origin']).toBeUndefined();

    const me = await app.inject({ url: '/me', headers: { origin: FRONTEND } });
    expect(me.statusCode).toBe(401);
    expect(me.headers['access-control-allow-origin']).toBe(FRONTEND);
    expect(me.headers['access-control-allow-credentials']).toBe('true');
    const mePartner = await app.inject({ url: '/me', headers: { origin: PARTNER } });
    expect(mePartner.headers['access-control-allow-origin']).toBeUndefined();
    expect(mePartner.headers.vary).toContain('Origin');
  });

  test('the guard answers Gatehouse’s 401 on the app’s routes', async () => {
    for (const url of ['/secure-data', '/admin-data']) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'unauthorized' });
    }
  });

  test('the plugin’s body parsers stay in its context: the app parses no form', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    expect(response.statusCode).toBe(415); // Fastify's own answer, as without Gatehouse
    expect(response.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  });

  test('what Fastify refuses on a Gatehouse route is Gatehouse JSON: a form over 16 KiB', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/backchannel-logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `logout_token=${'a'.repeat(20_000)}`,
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request could not be read.',
    });
  });

  test('sign-out ignores any small body, whatever its type', async () => {
    for (const [type, payload] of [
      ['application/json', '{not json'],
      ['text/plain', 'x=1'],
      ['application/x-www-form-urlencoded', 'a=1'],
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/logout',
        headers: { 'content-type': type!, origin: FRONTEND, 'x-csrf': '1' },
        payload,
      });
      // JSON answers 200; a form post (no JSON Accept) is sent on to the provider.
      expect([200, 302], type).toContain(response.statusCode);
    }
  });
});

test('registered inside a prefix-less child context, the plugin adds nothing to its parent', async () => {
  const gatehouse = gatehouseForTests();
  const app = Fastify();
  await app.register(gatehouseFastify, { gatehouse });
  // The app may declare its own OPTIONS * (the old plugin's would have clashed) and error handler.
  app.options('*', async () => 'app preflight');
  app.setErrorHandler(async () => ({ handledBy: 'app' }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  try {
    expect((await app.inject({ method: 'OPTIONS', url: '/anything' })).body).toBe('app preflight');
    expect((await app.inject({ url: '/boom' })).json()).toEqual({ handledBy: 'app' });
    const me = await app.inject({ url: '/me' });
    expect(me.statusCode).toBe(401);
  } finally {
    await app.close();
    await gatehouse.close();
  }
});
