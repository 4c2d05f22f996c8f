import { act, screen, waitFor } from '@testing-library/react';
import { useEffect } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { createAuthFetch, useAuthFetch, type AuthFetch } from '../src/index.js';
import { BASE, installFetch, meRoute, renderAuth, signedIn } from './helpers.js';

const status = () => screen.getByTestId('status').textContent;
const CHALLENGE =
  'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="Sign in again.", acr_values="urn:dev:mfa", max_age=300';

/** A backend whose `POST /admin` answers the RFC 9470 challenge until `stepped` is true. */
function stepUpBackend(state: { stepped: boolean; me: [number, unknown?] }) {
  const fn = vi.fn(async (url: string, init: RequestInit = {}) => {
    const path = url.slice(BASE.length);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
      ok: status < 300,
      status,
      headers: new Headers({ 'Content-Type': 'application/json', ...headers }),
      text: async () => JSON.stringify(body),
    });
    if (path === '/me') return reply(state.me[0], state.me[1]);
    if (path === '/admin' && init.method === 'POST') {
      return state.stepped
        ? reply(200, { done: true })
        : reply(
            401,
            { error: 'insufficient_user_authentication', error_description: 'Sign in again.' },
            { 'WWW-Authenticate': CHALLENGE },
          );
    }
    return reply(404, {});
  });
  vi.stubGlobal('fetch', fn);
  return fn;
}

function Grab({ onValue }: { onValue: (authFetch: AuthFetch) => void }) {
  const authFetch = useAuthFetch();
  useEffect(() => {
    onValue(authFetch);
  });
  return null;
}

describe('signIn() parameters', () => {
  it('passes params to /login, and silent adds prompt=none', async () => {
    installFetch(meRoute({ reply: [401] }));
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    act(() =>
      view.auth.signIn({
        returnTo: '/orders',
        params: { login_hint: 'ada@example.com', organization: 'org_1' },
      }),
    );
    expect(assign).toHaveBeenLastCalledWith(
      `${BASE}/login?returnTo=%2Forders&login_hint=ada%40example.com&organization=org_1`,
    );
    act(() => view.auth.signIn({ returnTo: '/', silent: true }));
    expect(assign).toHaveBeenLastCalledWith(`${BASE}/login?returnTo=%2F&prompt=none`);
  });

  it('a silent sign-in is tried once per browser session: never a loop', async () => {
    installFetch(meRoute({ reply: [401] }));
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    act(() => view.auth.signIn({ silent: true }));
    act(() => view.auth.signIn({ silent: true }));
    expect(assign).toHaveBeenCalledTimes(1);
    expect(sessionStorage.getItem('gatehouse:silent')).toBe('1');
  });
});

describe('<AuthProvider silent>', () => {
  it('being signed in clears the flag: a later expiry may try silently again', async () => {
    installFetch(meRoute({ reply: signedIn() }));
    sessionStorage.setItem('gatehouse:silent', '1');
    renderAuth(undefined, undefined, { silent: true });
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(sessionStorage.getItem('gatehouse:silent')).toBeNull();
  });

  it('signing out sets the flag: no silent sign-in straight back', async () => {
    installFetch(meRoute({ reply: signedIn() }, { 'POST /logout': [200, {}] }));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await act(() => view.auth.signOut());
    expect(localStorage.getItem('gatehouse:signed-out')).toBe('1');
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    act(() => view.auth.signIn({ silent: true }));
    expect(assign).not.toHaveBeenCalled();
  });

  it('tries a silent sign-in once on load when signed out', async () => {
    installFetch(meRoute({ reply: [401] }));
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    renderAuth(undefined, undefined, { silent: true });
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    expect(String(assign.mock.calls[0]![0])).toMatch(/\/login\?returnTo=.*&prompt=none$/);
  });

  it('does not when signed in, nor a second time in the same browser session', async () => {
    const me = { reply: signedIn() };
    installFetch(meRoute(me));
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const first = renderAuth(undefined, undefined, { silent: true });
    await waitFor(() => expect(status()).toBe('signed-in'));
    first.unmount();
    sessionStorage.setItem('gatehouse:silent', '1'); // tried earlier in this browser session
    me.reply = [401];
    renderAuth(undefined, undefined, { silent: true });
    await waitFor(() => expect(status()).toBe('signed-out'));
    expect(assign).not.toHaveBeenCalled();
  });

  it('coming back from a silent sign-in with the marker: signed out, no error, marker removed', async () => {
    installFetch(meRoute({ reply: [401] }));
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    sessionStorage.setItem('gatehouse:silent', '1');
    window.history.replaceState(null, '', '/orders#gatehouse=signed-out');
    const view = renderAuth(undefined, undefined, { silent: true });
    await waitFor(() => expect(status()).toBe('signed-out'));
    expect(view.auth.error).toBeNull();
    expect(window.location.hash).toBe('');
    expect(window.location.pathname).toBe('/orders');
    expect(assign).not.toHaveBeenCalled();
    window.history.replaceState(null, '', '/');
  });
});

describe('step-up (RFC 9470)', () => {
  it('createAuthFetch calls onStepUp with the challenge and retries once when it resolves true', async () => {
    const state = { stepped: false, me: [200, {}] as [number, unknown?] };
    const fetch = stepUpBackend(state);
    const onUnauthorized = vi.fn();
    const onStepUp = vi.fn(async () => {
      state.stepped = true;
      return true;
    });
    const authFetch = createAuthFetch({ baseUrl: BASE, onStepUp, onUnauthorized });
    await expect(
      authFetch('/admin', { method: 'POST', retryNonIdempotent: true }),
    ).resolves.toEqual({ done: true });
    expect(onStepUp).toHaveBeenCalledWith({ acrValues: 'urn:dev:mfa', maxAge: '300' });
    expect(onUnauthorized).not.toHaveBeenCalled();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('retries once only: a backend that still refuses gets the error, not a loop', async () => {
    const state = { stepped: false, me: [200, {}] as [number, unknown?] };
    const fetch = stepUpBackend(state);
    const onStepUp = vi.fn(async () => true);
    const error = await createAuthFetch({ baseUrl: BASE, onStepUp, retryNonIdempotent: true })(
      '/admin',
      { method: 'POST' },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'insufficient_user_authentication', status: 401 });
    expect(onStepUp).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('useAuthFetch runs the step-up in a popup with acr_values and max_age, then retries', async () => {
    const state = { stepped: false, me: signedIn() as [number, unknown?] };
    const fetch = stepUpBackend(state);
    const popup = { closed: false, close: vi.fn(), focus: vi.fn() };
    const open = vi.spyOn(window, 'open').mockReturnValue(popup as unknown as Window);
    const sink: { fetch?: AuthFetch } = {};
    renderAuth(<Grab onValue={(f) => (sink.fetch = f)} />);
    await waitFor(() => expect(status()).toBe('signed-in'));
    const result = sink.fetch!('/admin', { method: 'POST', retryNonIdempotent: true });
    await waitFor(() => expect(open).toHaveBeenCalled());
    expect(String(open.mock.calls[0]![0])).toBe(
      `${BASE}/login?returnTo=%2F&acr_values=urn%3Adev%3Amfa&max_age=300&popup=1`,
    );
    state.stepped = true;
    act(() => {
      window.dispatchEvent(
        new MessageEvent('message', {
          data: { type: 'gatehouse:signed-in' },
          origin: BASE,
          source: popup as unknown as Window,
        }),
      );
    });
    await expect(result).resolves.toEqual({ done: true });
    expect(status()).toBe('signed-in');
    expect(fetch.mock.calls.filter(([url]) => url === `${BASE}/admin`)).toHaveLength(2);
  });
});
