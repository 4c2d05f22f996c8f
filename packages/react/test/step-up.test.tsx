import { act, screen, waitFor } from '@testing-library/react';
import { useEffect } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { AuthFetchError, createAuthFetch, useAuthFetch, type AuthFetch } from '../src/index.js';
import { BASE, USER, renderAuth, signedIn } from './helpers.js';

const status = () => screen.getByTestId('status').textContent;
const CHALLENGE =
  'Bearer realm="gatehouse", error="insufficient_user_authentication", acr_values="urn:dev:mfa", max_age=300';

/** A backend whose routes under `/admin` answer the RFC 9470 challenge until `stepped`. */
function stepUpBackend(state: { stepped: boolean; me: [number, unknown?] }) {
  const fn = vi.fn(async (url: string) => {
    const path = url.slice(BASE.length);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
      ok: status < 300,
      status,
      headers: new Headers({ 'Content-Type': 'application/json', ...headers }),
      text: async () => JSON.stringify(body),
    });
    if (path === '/me') return reply(state.me[0], state.me[1]);
    if (!path.startsWith('/admin')) return reply(404, {});
    if (state.stepped) return reply(200, { done: path });
    const body = { error: 'insufficient_user_authentication', error_description: 'Sign in again.' };
    return reply(401, body, { 'WWW-Authenticate': CHALLENGE });
  });
  vi.stubGlobal('fetch', fn);
  return fn;
}

const sent = (fetch: ReturnType<typeof stepUpBackend>, path: string) =>
  fetch.mock.calls.filter(([url]) => url === `${BASE}${path}`).length;

function Grab({ onValue }: { onValue: (authFetch: AuthFetch) => void }) {
  const authFetch = useAuthFetch();
  useEffect(() => {
    onValue(authFetch);
  });
  return null;
}

/** Signed in as `USER`, a popup ready to open; `finish()` posts the popup's sign-in message. */
async function signedInWithPopup(state: { stepped: boolean; me: [number, unknown?] }) {
  const fetch = stepUpBackend(state);
  const popup = { closed: false, close: vi.fn(), focus: vi.fn() };
  const open = vi.spyOn(window, 'open').mockReturnValue(popup as unknown as Window);
  const sink: { fetch?: AuthFetch } = {};
  const view = renderAuth(<Grab onValue={(f) => (sink.fetch = f)} />);
  await waitFor(() => expect(status()).toBe('signed-in'));
  const finish = () =>
    act(() => {
      const data = { type: 'gatehouse:signed-in' };
      window.dispatchEvent(
        new MessageEvent('message', { data, origin: BASE, source: popup as never }),
      );
    });
  return { fetch, open, view, finish, authFetch: sink.fetch! };
}

/** Settles within 2 s or fails the test, instead of hanging it. */
function within<T>(promise: Promise<T>): Promise<T> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('still pending after 2 s')), 2000),
  );
  return Promise.race([promise, timeout]);
}

describe('step-up: one popup for every waiter', () => {
  it('two requests challenged together share one step-up popup, and both settle', async () => {
    const state = { stepped: false, me: signedIn() as [number, unknown?] };
    const { fetch, open, finish, authFetch } = await signedInWithPopup(state);
    const first = authFetch('/admin/a');
    const second = authFetch('/admin/b');
    await waitFor(() => expect(sent(fetch, '/admin/b')).toBe(1));
    await waitFor(() => expect(open).toHaveBeenCalled());
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(open).toHaveBeenCalledTimes(1);
    state.stepped = true;
    finish();
    await expect(within(first)).resolves.toEqual({ done: '/admin/a' });
    await expect(within(second)).resolves.toEqual({ done: '/admin/b' });
  });

  it('a step-up popup given up for another sign-in rejects its request instead of leaving it pending', async () => {
    const state = { stepped: false, me: signedIn() as [number, unknown?] };
    const { open, view, authFetch } = await signedInWithPopup(state);
    const challenged = authFetch('/admin/a');
    await waitFor(() => expect(open).toHaveBeenCalledTimes(1));
    act(() => view.auth.signIn({ popup: true }));
    await expect(within(challenged)).rejects.toMatchObject({
      code: 'insufficient_user_authentication',
      status: 401,
    });
  });
});

describe('step-up: what is sent again', () => {
  it('a POST is not sent again after the step-up: step_up_resend tells the caller to send it', async () => {
    const state = { stepped: false, me: signedIn() as [number, unknown?] };
    const { fetch, finish, authFetch } = await signedInWithPopup(state);
    const result = authFetch('/admin/pay', { method: 'POST', json: { amount: 100 } });
    await waitFor(() => expect(sent(fetch, '/admin/pay')).toBe(1));
    state.stepped = true;
    finish();
    const error = await within(result).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFetchError);
    expect(error).toMatchObject({
      code: 'step_up_resend',
      status: 401,
      message: 'The step-up sign-in succeeded: send the request again.',
    });
    expect(sent(fetch, '/admin/pay')).toBe(1);
    expect(status()).toBe('signed-in');
  });

  it.each(['POST', 'PATCH', 'LOCK'])(
    '%s is not sent again by createAuthFetch either',
    async (method) => {
      const state = { stepped: false, me: [200, {}] as [number, unknown?] };
      const fetch = stepUpBackend(state);
      const onStepUp = vi.fn(async () => (state.stepped = true));
      const error = await createAuthFetch({ baseUrl: BASE, onStepUp })('/admin', { method }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'step_up_resend' });
      expect(fetch).toHaveBeenCalledTimes(1);
    },
  );

  it.each(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])(
    '%s is idempotent (RFC 9110 section 9.2.2): sent again once',
    async (method) => {
      const state = { stepped: false, me: [200, {}] as [number, unknown?] };
      const fetch = stepUpBackend(state);
      const onStepUp = vi.fn(async () => (state.stepped = true));
      await expect(
        createAuthFetch({ baseUrl: BASE, onStepUp })('/admin', { method }),
      ).resolves.toEqual({ done: '/admin' });
      expect(fetch).toHaveBeenCalledTimes(2);
    },
  );

  it('retryNonIdempotent (per fetch or per call) opts a POST into being sent again', async () => {
    const state = { stepped: false, me: [200, {}] as [number, unknown?] };
    const onStepUp = vi.fn(async () => (state.stepped = true));
    stepUpBackend(state);
    const all = createAuthFetch({ baseUrl: BASE, onStepUp, retryNonIdempotent: true });
    await expect(all('/admin', { method: 'POST' })).resolves.toEqual({ done: '/admin' });
    state.stepped = false;
    const one = createAuthFetch({ baseUrl: BASE, onStepUp });
    await expect(one('/admin', { method: 'POST', retryNonIdempotent: true })).resolves.toEqual({
      done: '/admin',
    });
  });

  it('another user signed in at the step-up: not sent again, even a GET (step_up_user_changed)', async () => {
    const state = { stepped: false, me: signedIn() as [number, unknown?] };
    const { fetch, finish, authFetch } = await signedInWithPopup(state);
    const result = authFetch('/admin/report');
    await waitFor(() => expect(sent(fetch, '/admin/report')).toBe(1));
    state.stepped = true;
    state.me = [200, { user: { ...USER, sub: 'u2', email: 'eve@example.com' } }];
    finish();
    await expect(within(result)).rejects.toMatchObject({
      code: 'step_up_user_changed',
      status: 401,
    });
    expect(sent(fetch, '/admin/report')).toBe(1);
    await waitFor(() => expect(screen.getByTestId('user').textContent).toBe('eve@example.com'));
  });
});
