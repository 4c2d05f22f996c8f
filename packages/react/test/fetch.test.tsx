import { act, screen, waitFor } from '@testing-library/react';
import { useEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { AuthFetchError, createAuthFetch, useAuthFetch, type AuthFetch } from '../src/index.js';
import { BASE, calls, installFetch, meRoute, renderAuth, signedIn, type Reply } from './helpers.js';

const status = () => screen.getByTestId('status').textContent;

function Grab({ onValue }: { onValue: (authFetch: AuthFetch) => void }) {
  const authFetch = useAuthFetch();
  useEffect(() => {
    onValue(authFetch);
  });
  return null;
}

async function withAuthFetch(me: { reply: Reply }, others: Record<string, Reply> = {}) {
  const fetch = installFetch(meRoute(me, others));
  const sink: { fetch?: AuthFetch } = {};
  const view = renderAuth(<Grab onValue={(f) => (sink.fetch = f)} />);
  await waitFor(() => expect(status()).not.toBe('loading'));
  return { fetch, view, authFetch: sink.fetch! };
}

describe('createAuthFetch', () => {
  it('sends the cookie and X-CSRF, a JSON body, and parses the JSON answer', async () => {
    const fetch = installFetch(() => [201, { id: 7 }]);
    const authFetch = createAuthFetch({ baseUrl: BASE });
    const body = await authFetch('/notes', { method: 'POST', json: { text: 'hi' } });
    expect(body).toEqual({ id: 7 });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(`${BASE}/notes`);
    expect(init?.credentials).toBe('include');
    expect(init?.body).toBe('{"text":"hi"}');
    const headers = new Headers(init?.headers);
    expect(headers.get('X-CSRF')).toBe('1');
    expect(headers.get('Content-Type')).toBe('application/json');
    expect(headers.get('Accept')).toBe('application/json');
  });

  it('resolves undefined for an empty body', async () => {
    installFetch(() => [204]);
    await expect(createAuthFetch()('/ping')).resolves.toBeUndefined();
  });

  it('rejects an HTTP error with its status, OAuth error code and description', async () => {
    installFetch(() => [403, { error: 'forbidden', error_description: 'Admins only.' }]);
    const error = await createAuthFetch()('/admin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFetchError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'Admins only.', status: 403 });
  });

  it('rejects with code timeout after the timeout', async () => {
    installFetch(() => 'hang');
    const error = await createAuthFetch({ timeout: 20 })('/slow').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', status: 0 });
  });

  it('rejects with code network_error when there is no answer', async () => {
    installFetch(() => new TypeError('Failed to fetch'));
    const error = await createAuthFetch()('/x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network_error', status: 0 });
  });

  it("rejects with the caller's abort, not a timeout", async () => {
    installFetch(() => 'hang');
    const ctl = new AbortController();
    const pending = createAuthFetch()('/x', { signal: ctl.signal });
    ctl.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('calls onUnauthorized on a 401', async () => {
    installFetch(() => [401, { error: 'unauthorized' }]);
    let called = 0;
    const authFetch = createAuthFetch({ onUnauthorized: () => called++ });
    await expect(authFetch('/secure-data')).rejects.toMatchObject({ status: 401 });
    expect(called).toBe(1);
  });
});

describe('useAuthFetch', () => {
  it('uses the provider baseUrl and returns the data', async () => {
    const { fetch, authFetch } = await withAuthFetch(
      { reply: signedIn() },
      { 'GET /secure-data': [200, { message: 'You are authenticated!' }] },
    );
    await expect(authFetch('/secure-data')).resolves.toEqual({ message: 'You are authenticated!' });
    expect(calls(fetch)).toEqual(['GET /me', 'GET /secure-data']);
  });

  it('a 401 turns a signed-in state to signed-out with session_expired', async () => {
    const { authFetch, view } = await withAuthFetch(
      { reply: signedIn() },
      { 'GET /secure-data': [401, { error: 'unauthorized' }] },
    );
    expect(status()).toBe('signed-in');
    await act(() => expect(authFetch('/secure-data')).rejects.toBeInstanceOf(AuthFetchError));
    expect(status()).toBe('signed-out');
    expect(view.auth.user).toBeNull();
    expect(view.auth.error).toEqual({
      code: 'session_expired',
      message: 'Your session has expired. Please sign in again.',
    });
  });

  it('a 401 while already signed out adds no error', async () => {
    const { authFetch, view } = await withAuthFetch({ reply: [401] });
    await act(() => expect(authFetch('/secure-data')).rejects.toMatchObject({ status: 404 }));
    await act(() => expect(authFetch('/me')).rejects.toMatchObject({ status: 401 }));
    expect(status()).toBe('signed-out');
    expect(view.auth.error).toBeNull();
  });
});
