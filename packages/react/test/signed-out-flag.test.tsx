import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFetch, meRoute, popupSignIn, renderAuth, signedIn, type Reply } from './helpers.js';

const status = () => screen.getByTestId('status').textContent;
const FLAG = 'gatehouse:signed-out';

let otherTab: BroadcastChannel;
beforeEach(() => (otherTab = new BroadcastChannel('gatehouse')));
afterEach(() => otherTab.close());

/** A tab that loads signed out with `<AuthProvider silent>`; resolves to `location.assign`. */
async function loadSignedOutTab() {
  installFetch(meRoute({ reply: [401] }));
  const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
  renderAuth(undefined, undefined, { silent: true });
  await waitFor(() => expect(status()).toBe('signed-out'));
  // The silent try would come right after /me's 401: give it the chance.
  await act(() => new Promise((r) => setTimeout(r, 50)));
  return assign;
}

describe('a sign-out blocks silent sign-in in every tab of the browser', () => {
  it('a tab opened after a sign-out elsewhere does not sign back in silently (localStorage flag, no token)', async () => {
    installFetch(
      meRoute({ reply: signedIn() }, { 'POST /logout': [200, { endSessionUrl: null }] }),
    );
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await act(() => view.auth.signOut());
    view.unmount();
    expect(localStorage.getItem(FLAG)).toBe('1');
    expect(Object.keys(localStorage)).toEqual([FLAG]);

    sessionStorage.clear(); // a new tab: its own sessionStorage
    const assign = await loadSignedOutTab();
    expect(assign).not.toHaveBeenCalled();
  });

  it('a tab that heard the sign-out on the channel does not sign back in silently on reload', async () => {
    const me: { reply: Reply } = { reply: signedIn() };
    installFetch(meRoute(me));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    me.reply = [401];
    localStorage.clear(); // as if the signing-out tab's write were not seen: this tab sets it too
    otherTab.postMessage({ type: 'signed-out' });
    await waitFor(() => expect(status()).toBe('signed-out'));
    expect(localStorage.getItem(FLAG)).toBe('1');
    view.unmount();

    const assign = await loadSignedOutTab();
    expect(assign).not.toHaveBeenCalled();
  });

  it('an interactive popup sign-in clears the flag: silent sign-in may work again later', async () => {
    localStorage.setItem(FLAG, '1');
    const view = await popupSignIn();
    await waitFor(() => expect(status()).toBe('signed-in'));
    await waitFor(() => expect(localStorage.getItem(FLAG)).toBeNull());
    view.unmount();

    const assign = await loadSignedOutTab();
    expect(assign).toHaveBeenCalledTimes(1);
    expect(String(assign.mock.calls[0]![0])).toMatch(/&prompt=none$/);
  });

  it('coming back from an interactive redirect sign-in clears the flag', async () => {
    localStorage.setItem(FLAG, '1');
    vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const me: { reply: Reply } = { reply: [401] };
    installFetch(meRoute(me));
    const before = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-out'));
    act(() => before.auth.signIn());
    before.unmount();
    me.reply = signedIn();
    renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    expect(localStorage.getItem(FLAG)).toBeNull();
  });

  it('a session that merely expired sets no flag: silent sign-in still brings the user back', async () => {
    const me: { reply: Reply } = { reply: signedIn() };
    installFetch(meRoute(me));
    const view = renderAuth();
    await waitFor(() => expect(status()).toBe('signed-in'));
    me.reply = [401];
    await act(() => view.auth.refresh());
    expect(localStorage.getItem(FLAG)).toBeNull();
  });
});
