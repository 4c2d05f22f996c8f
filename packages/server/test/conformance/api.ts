import { expect, test } from 'vitest';
import { SAM } from '../bearer/support.js';
import { expectError } from './expect.js';
import { FOREIGN_ORIGIN, FRONTEND_URL, type World } from './suite.js';

/** CSRF, CORS, the rules on session users, request bodies, routes with an id. */
export function apiCases(world: World): void {
  const url = (path: string) => `${world.backend.url}${path}`;
  let cookie: string;
  const asAda = async (path: string, init: RequestInit = {}) => {
    cookie ??= (await world.signedIn()).header(url('/'))!;
    const headers = { cookie, ...(init.headers as Record<string, string>) };
    return fetch(url(path), { ...init, headers, redirect: 'manual' });
  };
  const preflight = (path: string, origin: string, method = 'POST') =>
    fetch(url(path), {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'x-csrf,content-type',
      },
    });

  test('CSRF: a cookie POST without X-CSRF is 403', async () => {
    await expectError(
      await asAda('/secure-data', { method: 'POST' }),
      403,
      'access_denied',
      'This request needs the header X-CSRF: 1.',
    );
  });

  test('CSRF: X-CSRF from a foreign Origin is 403, with no CORS grant', async () => {
    const response = await asAda('/secure-data', {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: FOREIGN_ORIGIN },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    await expectError(
      response,
      403,
      'access_denied',
      'This request comes from a site that is not allowed to call this API.',
    );
  });

  test('CSRF: X-CSRF from FRONTEND_URL passes, with the CORS grant', async () => {
    const response = await asAda('/secure-data', {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: FRONTEND_URL },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND_URL);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await response.json()).toEqual({ changed: true });
  });

  test.each(['/secure-data', '/me', '/logout', '/sessions/abc'])(
    'CORS: a preflight of %s from FRONTEND_URL is granted',
    async (path) => {
      const response = await preflight(path, FRONTEND_URL);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND_URL);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')).toContain('X-CSRF');
      expect(response.headers.get('vary')).toContain('Origin');
    },
  );

  test.each(['/secure-data', '/me', '/logout'])(
    'CORS: a preflight of %s from a foreign origin is 403, with no grant',
    async (path) => {
      const response = await preflight(path, FOREIGN_ORIGIN);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      await expectError(
        response,
        403,
        'access_denied',
        'This origin is not allowed to call this API.',
      );
    },
  );

  test.each(['/me', '/secure-data'])(
    'CORS: %s answers FRONTEND_URL with the grant, a foreign origin without',
    async (path) => {
      const ours = await asAda(path, { headers: { origin: FRONTEND_URL } });
      expect(ours.status).toBe(200);
      expect(ours.headers.get('access-control-allow-origin')).toBe(FRONTEND_URL);
      expect(ours.headers.get('access-control-allow-credentials')).toBe('true');
      expect(ours.headers.get('vary')).toContain('Origin');
      const theirs = await asAda(path, { headers: { origin: FOREIGN_ORIGIN } });
      expect(theirs.status).toBe(200);
      expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
      expect(theirs.headers.get('access-control-allow-credentials')).toBeNull();
      expect(theirs.headers.get('vary')).toContain('Origin');
    },
  );

  test('CORS: a 401 to FRONTEND_URL carries the grant, so the front end can read it', async () => {
    const response = await fetch(url('/secure-data'), { headers: { origin: FRONTEND_URL } });
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND_URL);
    await expectError(response, 401, 'unauthorized', 'Sign in to access this resource.');
  });

  test('the guard: /secure-data signed out is 401 with the challenge, never a redirect', async () => {
    const response = await fetch(url('/secure-data'), { redirect: 'manual' });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
    await expectError(response, 401, 'unauthorized', 'Sign in to access this resource.');
  });

  test('rule requireScope: a session without reports:read is 403 insufficient_scope', async () => {
    const response = await asAda('/reports');
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="insufficient_scope", scope="reports:read"',
    );
    await expectError(
      response,
      403,
      'insufficient_scope',
      'This resource needs the scope reports:read.',
    );
  });

  test('rule requireGroup: an admin is let in, anyone else is 403 access_denied', async () => {
    const ada = await asAda('/admin-data');
    expect(ada.status).toBe(200);
    expect((await ada.json()).groups).toContain('admins');
    const sam = await (await world.signedIn(SAM)).fetch(url('/admin-data'));
    await expectError(sam, 403, 'access_denied', 'This resource is for members of admins.');
    await expectError(await fetch(url('/admin-data')), 401, 'unauthorized');
  });

  test('a form body is read: back-channel logout without a token is 400 JSON', async () => {
    const response = await fetch(url('/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'state=x',
    });
    await expectError(response, 400, 'invalid_request', 'The request needs a logout_token.');
  });

  test('a form body over 16 KiB is 413 JSON, not the host’s error page', async () => {
    const response = await fetch(url('/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `logout_token=${'a'.repeat(20_000)}`,
    });
    await expectError(response, 413, 'invalid_request');
  });

  test('routes with an id: GET /sessions lists, DELETE /sessions/<id> ends one', async () => {
    const other = (await world.signedIn()).header(url('/'))!;
    const list = await fetch(url('/sessions'), { headers: { cookie: other } });
    expect(list.status).toBe(200);
    const { sessions } = (await list.json()) as { sessions: { id: string; current: boolean }[] };
    const mine = sessions.find((session) => session.current)!;
    expect(mine.id).toMatch(/^[\w-]{22}$/);
    const csrf = { cookie: other, 'x-csrf': '1' };
    const unknown = await fetch(url('/sessions/nope'), { method: 'DELETE', headers: csrf });
    await expectError(unknown, 404, 'not_found', 'No such session of yours.');
    const end = await fetch(url(`/sessions/${mine.id}`), { method: 'DELETE', headers: csrf });
    expect(end.status).toBe(204);
    await expectError(
      await fetch(url('/me'), { headers: { cookie: other } }),
      401,
      'invalid_token',
    );
  });

  test('no Gatehouse log line says "unexpected error" (no bug turned into a 500)', () => {
    expect(world.log.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });
}
