import { CookieJar } from '@gatehouse/dev-idp/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInThroughBackend, startStack, type Framework, type Stack } from './support/stack.js';

describe.each<Framework>(['fastify', 'express'])('"your devices" on %s', (framework) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ framework });
  });
  afterAll(() => stack.close());

  async function device(userAgent: string, credentials?: { email: string; password: string }) {
    const jar = new CookieJar();
    const headers = { 'user-agent': userAgent };
    await signInThroughBackend({ backend: stack.backend, jar }, { credentials, headers });
    return {
      fetch: (path: string, init: RequestInit = {}) =>
        jar.fetch(`${stack.backend.url}${path}`, {
          ...init,
          headers: { ...headers, ...init.headers },
        }),
    };
  }

  test('lists the user’s sessions and signs out another device', async () => {
    const laptop = await device('Laptop/1.0');
    const phone = await device('Phone/2.0');
    const list = await laptop.fetch('/sessions');
    expect(list.status).toBe(200);
    const { sessions } = await list.json();
    const mine = sessions.filter((s: { userAgent: string }) =>
      ['Laptop/1.0', 'Phone/2.0'].includes(s.userAgent),
    );
    expect(mine).toHaveLength(2);
    expect(mine.find((s: { userAgent: string }) => s.userAgent === 'Laptop/1.0').current).toBe(
      true,
    );
    const other = mine.find((s: { userAgent: string }) => s.userAgent === 'Phone/2.0');
    expect(other.id).toMatch(/^[\w-]{22}$/);
    expect(other.createdAt).toBeGreaterThan(0);

    expect((await laptop.fetch(`/sessions/${other.id}`, { method: 'DELETE' })).status).toBe(403); // no X-CSRF
    const ended = await laptop.fetch(`/sessions/${other.id}`, {
      method: 'DELETE',
      headers: { 'x-csrf': '1' },
    });
    expect(ended.status).toBe(204);
    expect((await phone.fetch('/me')).status).toBe(401);
    expect((await laptop.fetch('/me')).status).toBe(200);
  });

  test('cannot end another user’s session, nor an unknown one: 404', async () => {
    const ada = await device('Ada/1.0');
    const sam = await device('Sam/1.0', { email: 'sam@example.com', password: 'sam-dev-password' });
    const { sessions } = await (await sam.fetch('/sessions')).json();
    expect(sessions.every((s: { userAgent: string }) => s.userAgent !== 'Ada/1.0')).toBe(true);
    const samsOwn = sessions[0].id;
    const attempt = await ada.fetch(`/sessions/${samsOwn}`, {
      method: 'DELETE',
      headers: { 'x-csrf': '1' },
    });
    expect(attempt.status).toBe(404);
    expect((await sam.fetch('/me')).status).toBe(200);
    expect(
      (await ada.fetch('/sessions/nope', { method: 'DELETE', headers: { 'x-csrf': '1' } })).status,
    ).toBe(404);
  });

  test('without a session, /sessions is a 401', async () => {
    expect((await fetch(`${stack.backend.url}/sessions`)).status).toBe(401);
  });
});
