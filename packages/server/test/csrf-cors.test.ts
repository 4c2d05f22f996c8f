import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInThroughBackend, startStack, type Framework, type Stack } from './support/stack.js';

describe.each<Framework>(['fastify', 'express'])('cross-site requests on %s', (framework) => {
  let stack: Stack;
  let cookie: string;
  beforeAll(async () => {
    stack = await startStack({ framework });
    await signInThroughBackend(stack);
    cookie = stack.jar.header(`${stack.backend.url}/`)!;
  });
  afterAll(() => stack.close());

  const post = (path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${stack.backend.url}${path}`, {
      method: 'POST',
      headers: { cookie, ...headers },
      body,
      redirect: 'manual',
    });

  test('a cookie-authenticated POST without X-CSRF is refused (CSRF)', async () => {
    const response = await post('/secure-data', {});
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: 'access_denied',
      error_description: 'This request needs the header X-CSRF: 1.',
    });
  });

  test('a form post with text/plain from a foreign site is refused (CSRF without preflight)', async () => {
    const response = await post(
      '/logout',
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      'x=1',
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${stack.backend.url}/me`, { headers: { cookie } })).status).toBe(200);
  });

  test('an urlencoded form post to /logout from a foreign site is refused (forced sign-out)', async () => {
    const response = await post(
      '/logout',
      { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      'a=1',
    );
    expect(response.status).toBe(403);
    expect((await fetch(`${stack.backend.url}/me`, { headers: { cookie } })).status).toBe(200);
  });

  test('X-CSRF from a foreign Origin is refused (a CORS misconfiguration elsewhere cannot help)', async () => {
    const response = await post('/secure-data', { 'x-csrf': '1', origin: 'https://evil.example' });
    expect(response.status).toBe(403);
  });

  test('X-CSRF from FRONTEND_URL passes, with the CORS grant', async () => {
    const response = await post('/secure-data', { 'x-csrf': '1', origin: stack.frontendUrl });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(stack.frontendUrl);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  test('a preflight from FRONTEND_URL is granted, one from a foreign origin gets 403 and no grant', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.backend.url}/secure-data`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-csrf',
        },
      });
    const ours = await preflight(stack.frontendUrl);
    expect(ours.status).toBe(204);
    expect(ours.headers.get('access-control-allow-origin')).toBe(stack.frontendUrl);
    expect(ours.headers.get('access-control-allow-headers')).toContain('X-CSRF');
    const theirs = await preflight('https://evil.example');
    expect(theirs.status).toBe(403);
    expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a browser app on FRONTEND_URL may send a DPoP proof and read the nonce and challenges', async () => {
    const preflight = await fetch(`${stack.backend.url}/secure-data`, {
      method: 'OPTIONS',
      headers: {
        origin: stack.frontendUrl,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, dpop',
      },
    });
    expect(preflight.status).toBe(204);
    const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase();
    expect(allowed.split(/, */)).toEqual(expect.arrayContaining(['authorization', 'dpop']));
    const response = await fetch(`${stack.backend.url}/secure-data`, {
      headers: { origin: stack.frontendUrl },
    });
    expect(response.status).toBe(401);
    const exposed = response.headers.get('access-control-expose-headers')!.toLowerCase();
    expect(exposed.split(/, */)).toEqual(
      expect.arrayContaining(['www-authenticate', 'dpop-nonce']),
    );
  });

  test('a GET from a foreign origin gets no CORS grant, so its page cannot read the answer', async () => {
    const response = await fetch(`${stack.backend.url}/me`, {
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toContain('Origin');
  });

  test('a form post to /logout from our own front end signs out and redirects to the provider', async () => {
    const response = await post(
      '/logout',
      { origin: stack.frontendUrl, 'content-type': 'application/x-www-form-urlencoded' },
      '',
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toContain('/v1/logout?');
    expect((await fetch(`${stack.backend.url}/me`, { headers: { cookie } })).status).toBe(401);
  });
});
