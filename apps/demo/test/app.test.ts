// The demo backend in one process, its provider down. POST /admin-action's three rules (signed
// in with CSRF, the admins group, a second factor within 5 minutes) each refuse on their own:
// its sessions come from createTestSession (@gatehouse/server/testing); the browser path, with
// the dev IdP's one-time code and the SDK's step-up, is e2e/step-up.test.ts.
import { createGatehouse, MemoryStore } from '@gatehouse/server';
import { createTestSession } from '@gatehouse/server/testing';
import { pino } from 'pino';
import { afterAll, describe, expect, it, test } from 'vitest';
import { freePort } from '@gatehouse/dev-idp/testing';
import { buildDemoApp } from '../server/app.js';

const options = {
  issuer: `http://localhost:${await freePort()}/oauth2/default`, // nothing listens there
  clientId: 'gatehouse-demo',
  clientSecret: 'gatehouse-demo-secret',
  backendUrl: 'http://localhost:7156',
  frontendUrl: 'http://localhost:5173',
  sessionSecret: 'demo-test-secret-'.repeat(3),
  sessionStore: new MemoryStore(),
  httpTimeout: 1,
  logger: pino({ level: 'silent' }),
};
const gatehouse = createGatehouse(options);
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

const TWO_FACTORS = 'urn:okta:loa:2fa:any';

const ADA = { sub: '00u1ada', name: 'Ada Lovelace', email: 'ada@example.com' };

/** A signed-in browser's Cookie header: a real session in the demo's store, no provider. */
async function signedIn(user: { groups: string[] }, level: { acr?: string; authTime?: number }) {
  return (await createTestSession(gatehouse, { user: { ...ADA, ...user }, ...level })).cookie;
}

const adminAction = (headers: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/admin-action', headers });
const now = () => Math.floor(Date.now() / 1000);

describe('POST /admin-action', () => {
  it('is done for an admin who signed in with a second factor in the last 5 minutes', async () => {
    const cookie = await signedIn({ groups: ['admins'] }, { acr: TWO_FACTORS, authTime: now() });
    const response = await adminAction({ cookie, 'x-csrf': '1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ message: 'Admin action done.', acr: TWO_FACTORS });
  });

  it('refuses an anonymous caller with 401', async () => {
    const response = await adminAction({ 'x-csrf': '1' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('unauthorized');
  });

  it('refuses the cookie without X-CSRF: 1 (a cross-site form post)', async () => {
    const cookie = await signedIn({ groups: ['admins'] }, { acr: TWO_FACTORS, authTime: now() });
    const response = await adminAction({ cookie });
    expect(response.statusCode).toBe(403);
    expect(response.json().error_description).toBe('This request needs the header X-CSRF: 1.');
  });

  it('refuses a user outside the admins group with 403, whatever the sign-in', async () => {
    const cookie = await signedIn({ groups: ['users'] }, { acr: TWO_FACTORS, authTime: now() });
    const response = await adminAction({ cookie, 'x-csrf': '1' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'access_denied' });
  });

  it.each([
    ['signed in with a password only', { acr: 'urn:okta:loa:1fa:pwd', authTime: now() }],
    ['signed in without an acr', { authTime: now() }],
    ['second factor 10 minutes ago', { acr: TWO_FACTORS, authTime: now() - 600 }],
    ['no auth_time', { acr: TWO_FACTORS }],
  ])('asks an admin %s to step up (RFC 9470 challenge)', async (_, level) => {
    const cookie = await signedIn({ groups: ['admins'] }, level);
    const response = await adminAction({ cookie, 'x-csrf': '1' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('insufficient_user_authentication');
    const challenge = response.headers['www-authenticate'];
    expect(challenge).toContain('error="insufficient_user_authentication"');
    expect(challenge).toContain(`acr_values="${TWO_FACTORS}"`);
    expect(challenge).toContain('max_age=300');
  });
});
