/**
 * `createTestSession` (`@gatehouse/server/testing`): an app's test signs a user in with one call,
 * and the cookie it gets is a real one: `/me` and the app's guarded routes accept it through the
 * configured store (memory and SQLite here), its claims reach `requireClaims`, its tokens reach
 * `accessToken()` and the proxy to remote APIs. With NODE_ENV=production it writes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  createGatehouse,
  MemoryStore,
  requireClaims,
  requireGroup,
  type Gatehouse,
} from '@gatehouse/server';
import { gatehouseExpress, requireAuth } from '@gatehouse/server/express';
import { createTestSession } from '@gatehouse/server/testing';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { captureLog } from '../support/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-session-'));
const ADA = { sub: '00u1ada', name: 'Ada Lovelace', email: 'ada@example.com', groups: ['admins'] };

/** A tiny API behind `remoteApis`: answers with the Authorization header it got. */
async function startEchoApi(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface App {
  url: string;
  gatehouse: Gatehouse;
  close(): Promise<void>;
}

/** An Express app on a Gatehouse whose provider is down: nothing here may need it. */
async function startApp(sessionStore: string | MemoryStore, upstream: string): Promise<App> {
  const gatehouse = createGatehouse({
    issuer: 'http://127.0.0.1:9/oauth2/default', // nothing listens there
    clientId: 'app',
    clientSecret: 'app-secret',
    backendUrl: 'http://localhost:3000',
    frontendUrl: 'http://localhost:3000',
    sessionSecret: 'test-session-secret-'.repeat(2),
    sessionStore,
    remoteApis: [{ path: '/api/orders', upstream, resource: 'api://orders' }],
    httpTimeout: 1,
    logger: captureLog().logger,
  });
  const app = express();
  app.use(gatehouseExpress(gatehouse));
  app.get('/secure-data', requireAuth(gatehouse), (req, res) => {
    res.json({ sub: req.auth!.user.sub, accessToken: req.auth!.accessToken() });
  });
  app.get('/admin', requireAuth(gatehouse, requireGroup('admins')), (_req, res) => {
    res.json({ admin: true });
  });
  const acme = requireClaims((claims) => claims.tenant === 'acme', 'Acme staff only.');
  app.get('/acme', requireAuth(gatehouse, acme), (_req, res) => res.json({ tenant: 'acme' }));
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gatehouse,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gatehouse.close();
    },
  };
}

let echo: { url: string; server: Server };
beforeAll(async () => {
  echo = await startEchoApi();
});
afterAll(async () => {
  echo.server.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe.each([
  ['memory', () => new MemoryStore()],
  ['SQLite', () => `sqlite:${join(dir, 'sessions.db')}`],
])('createTestSession with the %s store', (_, store) => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(store(), echo.url);
  });
  afterAll(() => app.close());

  test('its cookie signs the user in: /me answers who, a guarded route serves it', async () => {
    const session = await createTestSession(app.gatehouse, { user: ADA });
    expect(session.cookie).toBe(`gatehouse=${session.value}`);
    expect(session.headers).toEqual({ cookie: session.cookie, 'x-csrf': '1' });
    expect(session.browserCookie).toMatchObject({
      name: 'gatehouse',
      value: session.value,
      url: 'http://localhost:3000',
      httpOnly: true,
      secure: false,
      sameSite: 'Lax',
    });

    const me = await fetch(`${app.url}/me`, { headers: session.headers });
    expect(me.status).toBe(200);
    expect((await me.json()).user).toEqual(ADA);
    const data = await fetch(`${app.url}/secure-data`, { headers: session.headers });
    expect(data.status).toBe(200);
    expect((await data.json()).sub).toBe('00u1ada');
    expect((await fetch(`${app.url}/admin`, { headers: session.headers })).status).toBe(200);
  });

  test('the session is written sealed, as a sign-in writes it: no token in the store', async () => {
    const session = await createTestSession(app.gatehouse, {
      user: ADA,
      tokens: { access_token: 'at-in-the-clear?', refresh_token: 'rt-in-the-clear?' },
    });
    const sessions = await app.gatehouse.store.listBySubject(ADA.sub);
    expect(sessions.length).toBeGreaterThan(0);
    for (const { record } of sessions) {
      expect(Buffer.from(record.tokens).toString('latin1')).not.toContain('in-the-clear');
      expect(record.tokenKey).toMatch(/^[\w-]{8}$/);
    }
    expect(session.value).toMatch(/^[\w-]{43}$/);
  });

  test('a user outside the group is refused by requireGroup (403), not let in', async () => {
    const { headers } = await createTestSession(app.gatehouse, {
      user: { sub: '00u2sam', groups: ['users'] },
    });
    const response = await fetch(`${app.url}/admin`, { headers });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toBe('access_denied');
  });

  test('claims reach requireClaims: the claim lets in, its absence is a 403', async () => {
    const acme = await createTestSession(app.gatehouse, {
      user: ADA,
      claims: { tenant: 'acme' },
    });
    const allowed = await fetch(`${app.url}/acme`, { headers: acme.headers });
    expect(allowed.status).toBe(200);
    const other = await createTestSession(app.gatehouse, { user: ADA, claims: { tenant: 'x' } });
    const refused = await fetch(`${app.url}/acme`, { headers: other.headers });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: 'access_denied',
      error_description: 'Acme staff only.',
    });
  });

  test('tokens reach accessToken() and the proxy to a remote API', async () => {
    const session = await createTestSession(app.gatehouse, {
      user: ADA,
      tokens: { access_token: 'session-token', apis: { '/api/orders': 'orders-token' } },
    });
    const data = await fetch(`${app.url}/secure-data`, { headers: session.headers });
    expect((await data.json()).accessToken).toBe('session-token');
    const request = { method: 'GET', url: '/x', headers: session.headers };
    expect(await app.gatehouse.accessToken(request)).toBe('session-token');
    expect(await app.gatehouse.accessToken(request, { api: '/api/orders' })).toBe('orders-token');
    const proxied = await fetch(`${app.url}/api/orders/1`, { headers: session.headers });
    expect(proxied.status, await proxied.clone().text()).toBe(200);
    expect(await proxied.json()).toEqual({ authorization: 'Bearer orders-token' });
  });

  test('the cookie alone on a POST is refused by the CSRF check (403): headers add X-CSRF', async () => {
    const session = await createTestSession(app.gatehouse, { user: ADA });
    const bare = await fetch(`${app.url}/logout`, {
      method: 'POST',
      headers: { cookie: session.cookie },
    });
    expect(bare.status).toBe(403);
    const me = await fetch(`${app.url}/me`, { headers: session.headers });
    expect(me.status).toBe(200);
  });

  test('a made-up cookie of the same shape is still a 401: only written sessions count', async () => {
    const response = await fetch(`${app.url}/secure-data`, {
      headers: { cookie: `gatehouse=${'a'.repeat(43)}` },
    });
    expect(response.status).toBe(401);
  });
});

describe('createTestSession refuses production', () => {
  test('with NODE_ENV=production it throws a ConfigError and writes no session', async () => {
    const store = new MemoryStore();
    const app = await startApp(store, echo.url);
    try {
      vi.stubEnv('NODE_ENV', 'production');
      const attempt = createTestSession(app.gatehouse, { user: ADA });
      await expect(attempt).rejects.toThrow(ConfigError);
      await expect(attempt).rejects.toThrow(
        "createTestSession is for an app's tests and refuses to run with NODE_ENV=production",
      );
      expect(await store.listBySubject(ADA.sub)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
      await app.close();
    }
  });

  test('an object that is not a Gatehouse is a TypeError naming createGatehouse', async () => {
    const app = await startApp(new MemoryStore(), echo.url);
    try {
      const copy = { ...app.gatehouse };
      await expect(createTestSession(copy, { user: ADA })).rejects.toThrow(
        'createTestSession: pass the Gatehouse that createGatehouse() returned',
      );
    } finally {
      await app.close();
    }
  });
});
