import { type DevIdp } from '@gatehouse/dev-idp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADA,
  bearer,
  cliToken,
  expectInvalidToken,
  expressBackend,
  fastifyBackend,
  listen,
  SAM,
  sessionCookie,
  testClients,
  testOptions,
  type Answer,
  type Call,
} from './support.js';
import { startTestIdp } from '../support/stack.js';

const expectStatus = (answer: Answer, status: number, error?: string) =>
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });

const expectForbidden = (answer: Answer) => {
  expectStatus(answer, 403, 'access_denied');
  expect(answer.header('www-authenticate')).toBeUndefined();
};

describe.each(['fastify', 'express'] as const)('authorization rules on %s', (framework) => {
  let idp: DevIdp;
  let call: Call;
  let close: () => Promise<void>;
  let cli: Record<string, string>;
  let ada: Record<string, string>;
  let sam: Record<string, string>;

  beforeAll(async () => {
    const server = await listen();
    idp = await startTestIdp({
      clients: testClients(server.url),
    });
    if (framework === 'fastify') {
      await server.close();
      ({ call, close } = await fastifyBackend(testOptions({ issuer: idp.issuer })));
    } else {
      ({ call, close } = await expressBackend(
        testOptions({ issuer: idp.issuer, backendUrl: server.url }),
        server,
      ));
    }
    cli = bearer(await cliToken(idp.issuer));
    ada = { cookie: await sessionCookie(call, ADA) };
    sam = { cookie: await sessionCookie(call, SAM) };
  });
  afterAll(async () => {
    await close();
    await idp.close();
  });

  test('no credentials: 401 with a bare Bearer challenge, on every rule', async () => {
    for (const path of ['/secure-data', '/api-scope', '/admins', '/ada-or-cli']) {
      const answer = await call(path);
      expectStatus(answer, 401, 'unauthorized');
      expect(answer.header('www-authenticate')).toBe('Bearer realm="gatehouse"');
    }
  });

  test('a bad token: 401 invalid_token before any rule runs', async () => {
    for (const path of ['/api-scope', '/admins', '/ada-or-cli'])
      expectInvalidToken(await call(path, bearer('x.y.z')));
  });

  test('requireScope: a Bearer caller with the scope passes, without it gets 403 insufficient_scope', async () => {
    expectStatus(await call('/api-scope', cli), 200);
    const answer = await call('/admin-scope', cli);
    expectStatus(answer, 403, 'insufficient_scope');
    expect(answer.header('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="insufficient_scope", scope="api admin"',
    );
    expect(answer.body.error_description).toBe('This resource needs the scopes api admin.');
    expectStatus(await call('/openid-scope', cli), 403, 'insufficient_scope');
  });

  test('requireScope: a session user holds the configured scopes', async () => {
    expectStatus(await call('/openid-scope', ada), 200);
    expectStatus(await call('/api-scope', ada), 403, 'insufficient_scope');
  });

  test('requireGroup: a member of admins passes, others get 403 access_denied', async () => {
    const admin = await call('/admins', ada);
    expectStatus(admin, 200);
    expect(admin.body).toMatchObject({ via: 'session', groups: ['Everyone', 'admins'] });
    expectForbidden(await call('/admins', sam));
    expectForbidden(await call('/admins', cli));
  });

  test('requireClaims: the predicate sees the session user’s and the token’s claims', async () => {
    expectStatus(await call('/ada-or-cli', ada), 200);
    expectStatus(await call('/ada-or-cli', cli), 200);
    expectForbidden(await call('/ada-or-cli', sam));
  });

  test('a Bearer POST needs no CSRF header; a cookie POST still does', async () => {
    expectStatus(await call('/secure-data', cli, 'POST'), 200);
    expectStatus(await call('/secure-data', ada, 'POST'), 403, 'access_denied');
    expectStatus(await call('/secure-data', { ...ada, 'x-csrf': '1' }, 'POST'), 200);
  });
});
