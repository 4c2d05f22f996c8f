import { act, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { AuthProvider, useAuth, type AuthStatus } from '../src/index.js';
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
const email = () => screen.getByTestId('user').textContent;

/** Reports the status of every render, to show there is no `loading` flash. */
function Statuses({ onRender }: { onRender: (status: AuthStatus) => void }) {
  const { status } = useAuth();
  onRender(status);
  return null;
}

describe('AuthProvider initialUser', () => {
  it('is signed-in with the server’s user on the first render, and still asks /me', () => {
    const fetch = installFetch(meRoute({ reply: 'hang' }));
    const view = renderAuth(null, undefined, { initialUser: USER });
    expect(status()).toBe('signed-in');
    expect(email()).toBe(USER.email);
    expect(view.auth.user).toEqual(USER);
    expect(view.auth.expiresAt).toBeNull();
    expect(calls(fetch)).toEqual(['GET /me']);
  });

  it('takes the user and expiresAt from /me once it answers', async () => {
    installFetch(meRoute({ reply: signedIn(2_000_000_000) }));
    const view = renderAuth(null, undefined, { initialUser: { sub: 'u1', name: 'Ada' } });
    expect(email()).toBe('');
    await waitFor(() => expect(view.auth.expiresAt).toBe(2_000_000_000));
    expect(view.auth.user).toEqual(USER);
    expect(email()).toBe(USER.email);
  });

  it('becomes signed-out with session_expired when /me no longer knows the session', async () => {
    installFetch(meRoute({ reply: [401, { error: 'unauthorized' }] }));
    const view = renderAuth(null, undefined, { initialUser: USER });
    expect(status()).toBe('signed-in');
    await waitFor(() => expect(status()).toBe('signed-out'));
    expect(view.auth.user).toBeNull();
    expect(view.auth.error?.code).toBe('session_expired');
  });

  it('stays signed in through a network error on the re-check, with the error shown', async () => {
    installFetch(meRoute({ reply: new TypeError('Failed to fetch') }));
    const view = renderAuth(null, undefined, { initialUser: USER });
    await waitFor(() => expect(view.auth.error?.code).toBe('network_error'));
    expect(status()).toBe('signed-in');
    expect(view.auth.user).toEqual(USER);
  });

  it('null is signed-out from the first render, and /me can still find a session', async () => {
    const onRender = vi.fn();
    installFetch(meRoute({ reply: signedIn() }));
    renderAuth(<Statuses onRender={onRender} />, undefined, { initialUser: null });
    expect(status()).toBe('signed-out');
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(onRender).not.toHaveBeenCalledWith('loading');
  });

  it('null and a 401 stay signed-out without an error', async () => {
    const fetch = installFetch(meRoute({ reply: [401] }));
    const view = renderAuth(null, undefined, { initialUser: null });
    await waitFor(() => expect(calls(fetch)).toEqual(['GET /me']));
    await act(async () => {});
    expect(status()).toBe('signed-out');
    expect(view.auth.error).toBeNull();
  });

  it('is read on the first render only: /me decides after that', async () => {
    const me: { reply: Reply } = { reply: signedIn() };
    const fetch = installFetch(meRoute(me));
    const view = renderAuth(null, undefined, { initialUser: null });
    await waitFor(() => expect(status()).toBe('signed-in'));
    view.rerenderWith({ initialUser: { sub: 'someone-else' } });
    view.rerenderWith({ initialUser: null });
    expect(status()).toBe('signed-in');
    expect(view.auth.user).toEqual(USER);
    expect(calls(fetch)).toEqual(['GET /me']);
  });

  it('StrictMode: signed-in on every render, one /me per mount, no errors', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const onRender = vi.fn();
    const fetch = installFetch(meRoute({ reply: signedIn(2_000_000_000) }));
    const view = renderAuth(
      <Statuses onRender={onRender} />,
      (node) => <StrictMode>{node}</StrictMode>,
      { initialUser: USER },
    );
    await waitFor(() => expect(view.auth.expiresAt).toBe(2_000_000_000));
    expect(new Set(onRender.mock.calls.map(([s]) => s))).toEqual(new Set(['signed-in']));
    expect(calls(fetch)).toEqual(['GET /me', 'GET /me']);
    expect(fetch.mock.calls[0]![1]?.signal?.aborted).toBe(true);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('hydrates the server’s signed-in markup without a mismatch or a loading flash', async () => {
    const fetch = installFetch(meRoute({ reply: signedIn(2_000_000_000) }));
    const onRender = vi.fn();
    const Name = () => <p>{useAuth().user?.name ?? 'nobody'}</p>;
    const app = (
      <AuthProvider baseUrl={BASE} initialUser={USER}>
        <Statuses onRender={onRender} />
        <Name />
      </AuthProvider>
    );
    const container = document.createElement('div');
    container.innerHTML = renderToString(app);
    expect(container.innerHTML).toBe('<p>Ada Lovelace</p>');
    expect(calls(fetch)).toEqual([]);
    document.body.append(container);
    onRender.mockClear();
    const onRecoverableError = vi.fn();
    const root = await act(async () => hydrateRoot(container, app, { onRecoverableError }));
    await waitFor(() => expect(calls(fetch)).toEqual(['GET /me']));
    expect(onRecoverableError).not.toHaveBeenCalled();
    expect(new Set(onRender.mock.calls.map(([s]) => s))).toEqual(new Set(['signed-in']));
    expect(container.innerHTML).toBe('<p>Ada Lovelace</p>');
    act(() => root.unmount());
    container.remove();
  });

  it('accepts a server-side user type without an index signature', () => {
    // The shape of @gatehouse/server's SessionUser: an interface, so no implicit index
    // signature; `tsc` fails this file if `initialUser` stops accepting it.
    interface SessionUser {
      sub: string;
      name?: string;
      email?: string;
      groups?: string[];
    }
    const user: SessionUser = { sub: 'u1', name: 'Ada Lovelace' };
    installFetch(meRoute({ reply: 'hang' }));
    const view = renderAuth(null, undefined, { initialUser: user });
    expect(view.auth.user).toEqual(user);
  });
});
