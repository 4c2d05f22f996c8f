import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { BASE, installFetch, meRoute, renderAuth } from './helpers.js';

const status = () => screen.getByTestId('status').textContent;

async function signedOut() {
  installFetch(meRoute({ reply: [401] }));
  const view = renderAuth();
  await waitFor(() => expect(status()).toBe('signed-out'));
  return view;
}

describe('signIn({ provider, loginHint })', () => {
  it('a redirect sign-in carries provider= and login_hint= to /login', async () => {
    const view = await signedOut();
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    act(() => view.auth.signIn({ returnTo: '/', provider: 'acme' }));
    expect(assign).toHaveBeenLastCalledWith(`${BASE}/login?returnTo=%2F&provider=acme`);
    act(() => view.auth.signIn({ returnTo: '/', loginHint: 'ada@acme.example' }));
    expect(assign).toHaveBeenLastCalledWith(
      `${BASE}/login?returnTo=%2F&login_hint=ada%40acme.example`,
    );
  });

  it('a popup sign-in carries them too, beside params, and an empty hint is left out', async () => {
    const view = await signedOut();
    const popup = { closed: false, close: vi.fn(), focus: vi.fn() };
    const open = vi.spyOn(window, 'open').mockReturnValue(popup as unknown as Window);
    act(() =>
      view.auth.signIn({
        popup: true,
        returnTo: '/',
        provider: 'acme',
        loginHint: 'ada@acme.example',
        params: { ui_locales: 'fr' },
      }),
    );
    expect(open.mock.calls[0]![0]).toBe(
      `${BASE}/login?returnTo=%2F&ui_locales=fr&provider=acme&login_hint=ada%40acme.example&popup=1`,
    );
    act(() => view.auth.signIn({ popup: true, returnTo: '/', loginHint: '' }));
    expect(open.mock.calls[1]![0]).toBe(`${BASE}/login?returnTo=%2F&popup=1`);
  });
});
