import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  calls,
  installFetch,
  meRoute,
  popupSignIn,
  renderAuth,
  signedIn,
  type Reply,
} from './helpers.js';

const status = () => screen.getByTestId('status').textContent;

/** Another tab of the same app. */
let otherTab: BroadcastChannel;
let heard: unknown[];
beforeEach(() => {
  heard = [];
  otherTab = new BroadcastChannel('gatehouse');
  otherTab.onmessage = (e: MessageEvent) => heard.push(e.data);
});
afterEach(() => otherTab.close());

describe('tabs follow each other through BroadcastChannel("gatehouse")', () => {
  it('a sign-in in another tab makes this one ask /me and become signed-in', async () => {
    const me: { reply: Reply } = { reply: [401] };
    const fetch = installFetch(meRoute(me));
    renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    me.reply = signedIn();
    otherTab.postMessage({ type: 'signed-in' });
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(calls(fetch)).toEqual(['GET /me', 'GET /me']);
  });

  it('a sign-out in another tab makes this one signed-out, without session_expired', async () => {
    const me: { reply: Reply } = { reply: signedIn() };
    installFetch(meRoute(me));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    me.reply = [401];
    otherTab.postMessage({ type: 'signed-out' });
    await waitFor(() => expect(status()).toBe('signed-out'));
    expect(view.auth.error).toBeNull();
  });

  it('ignores malformed messages', async () => {
    const fetch = installFetch(meRoute({ reply: [401] }));
    renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    otherTab.postMessage({ type: 'nonsense' });
    otherTab.postMessage('signed-in');
    otherTab.postMessage(null);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls(fetch)).toEqual(['GET /me']);
  });

  it('signOut() tells the other tabs', async () => {
    installFetch(
      meRoute({ reply: signedIn() }, { 'POST /logout': [200, { endSessionUrl: null }] }),
    );
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await act(() => view.auth.signOut());
    await waitFor(() => expect(heard).toEqual([{ type: 'signed-out' }]));
  });

  it('a popup sign-in tells the other tabs', async () => {
    await popupSignIn();
    await waitFor(() => expect(heard).toEqual([{ type: 'signed-in' }]));
  });

  it('coming back from a redirect sign-in tells the other tabs, once', async () => {
    vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const me: { reply: Reply } = { reply: [401] };
    installFetch(meRoute(me));
    const before = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    act(() => before.auth.signIn());
    before.unmount();
    // The page comes back from the provider, signed in.
    me.reply = signedIn();
    const after = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await waitFor(() => expect(heard).toEqual([{ type: 'signed-in' }]));
    await act(() => after.auth.refresh());
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toHaveLength(1);
  });
});
