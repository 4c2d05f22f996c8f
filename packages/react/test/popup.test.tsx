import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { BASE, calls, installFetch, meRoute, renderAuth, signedIn, type Reply } from './helpers.js';

const status = () => screen.getByTestId('status').textContent;

/** A fake popup window; `close()` marks it closed as a browser would. */
function fakePopup() {
  const popup = { closed: false, close: vi.fn(), focus: vi.fn() };
  popup.close.mockImplementation(() => (popup.closed = true));
  return popup;
}

function post(data: unknown, origin: string, source: unknown) {
  act(() => {
    window.dispatchEvent(new MessageEvent('message', { data, origin, source: source as Window }));
  });
}

async function signedOutWithPopup(me: { reply: Reply } = { reply: [401] }) {
  const fetch = installFetch(meRoute(me));
  const popup = fakePopup();
  const open = vi.spyOn(window, 'open').mockReturnValue(popup as unknown as Window);
  const view = renderAuth();
  await waitFor(() => expect(status()).toBe('signed-out'));
  act(() => view.auth.signIn({ popup: true }));
  return { fetch, popup, open, view, me };
}

describe('popup sign-in', () => {
  it('opens /login with popup=1 and returnTo in a named popup', async () => {
    const { open, popup } = await signedOutWithPopup();
    expect(open).toHaveBeenCalledTimes(1);
    const [url, name, features] = open.mock.calls[0]!;
    expect(url).toBe(`${BASE}/login?returnTo=%2F&popup=1`);
    expect(name).toBe('gatehouse-sign-in');
    expect(features).toMatch(/width=500,height=650/);
    expect(popup.focus).toHaveBeenCalled();
  });

  it('ignores a message from a foreign origin, from another window, or of an unknown type', async () => {
    const { fetch, popup, me } = await signedOutWithPopup();
    me.reply = signedIn();
    post({ type: 'gatehouse:signed-in' }, 'http://evil.test', popup);
    post({ type: 'gatehouse:signed-in' }, BASE, window);
    post({ type: 'gatehouse:signed-in' }, BASE, null);
    post({ type: 'signed-in' }, BASE, popup);
    post({ token: 'abc' }, BASE, popup);
    post('gatehouse:signed-in', BASE, popup);
    post(null, BASE, popup);
    await act(() => new Promise((r) => setTimeout(r, 50)));
    expect(calls(fetch)).toEqual(['GET /me']);
    expect(status()).toBe('signed-out');
    expect(popup.close).not.toHaveBeenCalled();
  });

  it('signs in on gatehouse:signed-in from the backend origin and the popup window', async () => {
    const { fetch, popup, view, me } = await signedOutWithPopup();
    me.reply = signedIn();
    post({ type: 'gatehouse:signed-in' }, BASE, popup);
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(calls(fetch)).toEqual(['GET /me', 'GET /me']);
    expect(view.auth.user?.email).toBe('ada@example.com');
    expect(popup.close).toHaveBeenCalled();
    // Listening stopped: a second message does nothing.
    post({ type: 'gatehouse:signed-in' }, BASE, popup);
    expect(calls(fetch)).toHaveLength(2);
  });

  it('shows access_denied with the provider description on gatehouse:error', async () => {
    const { view, popup } = await signedOutWithPopup();
    post(
      {
        type: 'gatehouse:error',
        error: 'access_denied',
        error_description: 'User is not assigned to the client application.',
      },
      BASE,
      popup,
    );
    expect(status()).toBe('signed-out');
    expect(view.auth.error).toEqual({
      code: 'access_denied',
      message: 'User is not assigned to the client application.',
    });
  });

  it('uses a readable default message when gatehouse:error has no description', async () => {
    const { view, popup } = await signedOutWithPopup();
    post({ type: 'gatehouse:error', error: 'access_denied' }, BASE, popup);
    expect(view.auth.error).toEqual({
      code: 'access_denied',
      message: 'Sign-in was denied or cancelled.',
    });
  });

  it('falls back to the redirect when the browser blocks the popup', async () => {
    installFetch(meRoute({ reply: [401] }));
    vi.spyOn(window, 'open').mockReturnValue(null);
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    act(() => view.auth.signIn({ popup: true }));
    expect(assign).toHaveBeenCalledWith(`${BASE}/login?returnTo=%2F`);
    expect(view.auth.error?.code).toBe('popup_blocked');
  });

  it('a popup closed without signing in ends signed-out with popup_closed, not a hang', async () => {
    const { fetch, popup, view } = await signedOutWithPopup();
    popup.closed = true;
    await waitFor(() => expect(view.auth.error?.code).toBe('popup_closed'));
    expect(status()).toBe('signed-out');
    expect(view.auth.error?.message).toBe('The sign-in window was closed before sign-in finished.');
    expect(calls(fetch)).toEqual(['GET /me', 'GET /me']);
  });

  it('a popup severed by COOP that looks closed but did sign in ends signed-in', async () => {
    const { popup, me, view } = await signedOutWithPopup();
    me.reply = signedIn();
    popup.closed = true;
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(view.auth.error).toBeNull();
  });

  it('after a popup looked closed, the next focus of the window asks /me again', async () => {
    const { fetch, popup, me } = await signedOutWithPopup();
    popup.closed = true;
    await waitFor(() => expect(calls(fetch)).toHaveLength(2));
    me.reply = signedIn();
    act(() => {
      window.dispatchEvent(new Event('focus'));
    });
    await waitFor(() => expect(status()).toBe('signed-in'));
    act(() => {
      window.dispatchEvent(new Event('focus'));
    });
    expect(calls(fetch)).toHaveLength(3);
  });

  it('stops listening to the popup on unmount', async () => {
    const { fetch, popup, view, me } = await signedOutWithPopup();
    view.unmount();
    me.reply = signedIn();
    post({ type: 'gatehouse:signed-in' }, BASE, popup);
    popup.closed = true;
    await new Promise((r) => setTimeout(r, 600));
    expect(calls(fetch)).toEqual(['GET /me']);
  });
});
