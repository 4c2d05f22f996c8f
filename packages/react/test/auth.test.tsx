import { act, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { useAuth } from '../src/index.js';
import {
  BASE,
  USER,
  calls,
  installFetch,
  meRoute,
  renderAuth,
  signedIn,
  type Reply,
} from './helpers.js';

const status = () => screen.getByTestId('status').textContent;
const error = () => screen.getByTestId('error').textContent;

describe('AuthProvider status', () => {
  it('is loading, then signed-in with the user and expiresAt from GET /me', async () => {
    const fetch = installFetch(meRoute({ reply: signedIn(2_000_000_000) }));
    const view = renderAuth();
    expect(status()).toBe('loading');
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(view.auth.user).toEqual(USER);
    expect(view.auth.expiresAt).toBe(2_000_000_000);
    expect(view.auth.error).toBeNull();
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(`${BASE}/me`);
    expect(init?.credentials).toBe('include');
  });

  it('is signed-out without an error on a 401', async () => {
    installFetch(meRoute({ reply: [401, { error: 'unauthorized' }] }));
    renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    expect(error()).toBe('');
  });

  it.each([502, 503, 504])('is error/provider_unavailable on a %i', async (code) => {
    installFetch(meRoute({ reply: [code, { error: 'temporarily_unavailable' }] }));
    renderAuth();
    await waitFor(() => expect(status()).toBe('error'));
    expect(error()).toMatch(/^provider_unavailable: The sign-in service cannot be reached/);
  });

  it('is error/network_error when the backend does not answer, and recovers on refresh()', async () => {
    const me: { reply: Reply } = { reply: new TypeError('Failed to fetch') };
    installFetch(meRoute(me));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('error'));
    expect(view.auth.error?.code).toBe('network_error');
    me.reply = signedIn();
    await act(() => view.auth.refresh());
    expect(status()).toBe('signed-in');
    expect(view.auth.error).toBeNull();
  });

  it('is error/server_error on a 500', async () => {
    installFetch(meRoute({ reply: [500, { error: 'server_error' }] }));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('error'));
    expect(view.auth.error?.code).toBe('server_error');
  });

  it('keeps a signed-in user signed in through a network blip, with the error shown', async () => {
    const me: { reply: Reply } = { reply: signedIn() };
    installFetch(meRoute(me));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    me.reply = new TypeError('Failed to fetch');
    await act(() => view.auth.refresh());
    expect(status()).toBe('signed-in');
    expect(view.auth.error?.code).toBe('network_error');
  });

  it('asks /me again when expiresAt passes and becomes signed-out with session_expired', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'Date'] });
    const me: { reply: Reply } = { reply: signedIn(Math.floor(Date.now() / 1000) + 60) };
    const fetch = installFetch(meRoute(me));
    const view = renderAuth();
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(status()).toBe('signed-in');
    me.reply = [401, { error: 'unauthorized' }];
    await act(() => vi.advanceTimersByTimeAsync(59_000));
    expect(calls(fetch)).toEqual(['GET /me']);
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(calls(fetch)).toEqual(['GET /me', 'GET /me']);
    expect(status()).toBe('signed-out');
    expect(view.auth.error?.code).toBe('session_expired');
    expect(error()).toMatch(/Your session has expired/);
  });

  it('reschedules with the slid expiresAt when the session is still alive', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'Date'] });
    const now = Math.floor(Date.now() / 1000);
    const me: { reply: Reply } = { reply: signedIn(now + 10) };
    const fetch = installFetch(meRoute(me));
    const view = renderAuth();
    await act(() => vi.advanceTimersByTimeAsync(0));
    me.reply = signedIn(now + 100);
    await act(() => vi.advanceTimersByTimeAsync(12_000));
    expect(view.auth.expiresAt).toBe(now + 100);
    expect(status()).toBe('signed-in');
    expect(calls(fetch)).toHaveLength(2);
  });

  it('does not loop when the server expiry is already past on this clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'Date'] });
    const fetch = installFetch(meRoute({ reply: signedIn(Math.floor(Date.now() / 1000) - 600) }));
    renderAuth();
    await act(() => vi.advanceTimersByTimeAsync(0));
    await act(() => vi.advanceTimersByTimeAsync(29_000));
    expect(calls(fetch)).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(calls(fetch)).toHaveLength(2);
  });

  it('StrictMode double mount: one /me per mount, the first aborted, no state errors', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const fetch = installFetch(meRoute({ reply: signedIn() }));
    renderAuth(null, (node) => <StrictMode>{node}</StrictMode>);
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(calls(fetch)).toEqual(['GET /me', 'GET /me']);
    expect(fetch.mock.calls[0]![1]?.signal?.aborted).toBe(true);
    expect(fetch.mock.calls[1]![1]?.signal?.aborted).toBe(false);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('aborts the /me request on unmount', async () => {
    const fetch = installFetch(() => 'hang');
    const view = renderAuth();
    view.unmount();
    expect(fetch.mock.calls[0]![1]?.signal?.aborted).toBe(true);
  });

  it('useAuth() outside the provider throws a clear error', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const Lost = () => <p>{useAuth().status}</p>;
    expect(() => render(<Lost />)).toThrow('useAuth() must be used inside <AuthProvider>.');
  });
});

describe('redirect sign-in and sign-out', () => {
  it('signIn() navigates to /login with the current path, search and hash as returnTo', async () => {
    installFetch(meRoute({ reply: [401] }));
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    window.history.replaceState(null, '', '/orders/7?tab=items#top');
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    act(() => view.auth.signIn());
    expect(assign).toHaveBeenCalledWith(
      `${BASE}/login?returnTo=${encodeURIComponent('/orders/7?tab=items#top')}`,
    );
    act(() => view.auth.signIn({ returnTo: '/settings' }));
    expect(assign).toHaveBeenLastCalledWith(`${BASE}/login?returnTo=%2Fsettings`);
    window.history.replaceState(null, '', '/');
  });

  it('signOut() posts /logout with X-CSRF and navigates to the endSessionUrl', async () => {
    const end = 'http://idp.test/logout?id_token_hint=x&post_logout_redirect_uri=http%3A%2F%2Fapp';
    const fetch = installFetch(
      meRoute({ reply: signedIn() }, { 'POST /logout': [200, { endSessionUrl: end }] }),
    );
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await act(() => view.auth.signOut());
    expect(calls(fetch)).toEqual(['GET /me', 'POST /logout']);
    const init = fetch.mock.calls[1]![1]!;
    expect(new Headers(init.headers).get('X-CSRF')).toBe('1');
    expect(init.credentials).toBe('include');
    expect(assign).toHaveBeenCalledWith(end);
  });

  it('signOut() with a null endSessionUrl just becomes signed-out', async () => {
    installFetch(
      meRoute({ reply: signedIn() }, { 'POST /logout': [200, { endSessionUrl: null }] }),
    );
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await act(() => view.auth.signOut());
    expect(status()).toBe('signed-out');
    expect(view.auth.error).toBeNull();
    expect(assign).not.toHaveBeenCalled();
  });

  it('signOut() never navigates to a non-http endSessionUrl', async () => {
    installFetch(
      meRoute(
        { reply: signedIn() },
        { 'POST /logout': [200, { endSessionUrl: 'javascript:alert(1)' }] },
      ),
    );
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await act(() => view.auth.signOut());
    expect(assign).not.toHaveBeenCalled();
    expect(status()).toBe('signed-out');
  });

  it('signOut() that cannot reach the backend stays signed in and shows network_error', async () => {
    installFetch((method, path) => (path === '/me' ? signedIn() : new TypeError('offline')));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await act(() => view.auth.signOut());
    expect(status()).toBe('signed-in');
    expect(view.auth.error?.code).toBe('network_error');
  });
});
