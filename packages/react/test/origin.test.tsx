import { act, screen, waitFor } from '@testing-library/react';
import { useEffect } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { createAuthFetch, useAuthFetch, type AuthFetch } from '../src/index.js';
import { BASE, installFetch, meRoute, renderAuth, signedIn } from './helpers.js';

const status = () => screen.getByTestId('status').textContent;
const CHALLENGE =
  'Bearer error="insufficient_user_authentication", acr_values="urn:evil:chosen", max_age=0';

/** Every answer a 401 step-up challenge, as a foreign host would choose to answer. */
function challengeEverywhere(url?: string) {
  const fn = vi.fn(async () => ({
    ok: false,
    status: 401,
    url,
    headers: new Headers({ 'Content-Type': 'application/json', 'WWW-Authenticate': CHALLENGE }),
    text: async () => JSON.stringify({ error: 'insufficient_user_authentication' }),
  }));
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

describe('authFetch sends only to the backend origin', () => {
  it.each(['https://evil.example/x', '.evil.example/x', '@evil.example/x', ':8443/x'])(
    'refuses %s after baseUrl https://api.example: foreign_origin, nothing sent',
    async (path) => {
      const fetch = installFetch(() => [200, {}]);
      const onStepUp = vi.fn(async () => true);
      const onUnauthorized = vi.fn();
      const authFetch = createAuthFetch({
        baseUrl: 'https://api.example',
        onStepUp,
        onUnauthorized,
      });
      const error = await authFetch(path, { method: 'POST', json: { secret: 1 } }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'AuthFetchError', code: 'foreign_origin', status: 0 });
      expect(fetch).not.toHaveBeenCalled();
    },
  );

  it('with a relative baseUrl ("" or "/api") the backend is the page origin: //evil.example is refused', async () => {
    const fetch = installFetch(() => [200, { ok: true }]);
    const page = window.location.origin;
    await expect(createAuthFetch()('/me')).resolves.toEqual({ ok: true });
    await expect(createAuthFetch({ baseUrl: '/api' })('/me')).resolves.toEqual({ ok: true });
    expect(fetch.mock.calls.map(([url]) => url)).toEqual([`${page}/me`, `${page}/api/me`]);
    for (const path of ['//evil.example/x', '\\\\evil.example/x', 'https://evil.example/x']) {
      await expect(createAuthFetch()(path)).rejects.toMatchObject({ code: 'foreign_origin' });
    }
    expect(fetch).toHaveBeenCalledTimes(2);
    await expect(createAuthFetch({ baseUrl: '/api' })('https://evil.example')).resolves.toEqual({
      ok: true,
    }); // `/apihttps://evil.example` is a path on the page origin
    expect(fetch.mock.calls.at(-1)![0]).toBe(`${page}/apihttps://evil.example`);
  });

  it('keeps the path of baseUrl: https://api.example/v1 + /me is https://api.example/v1/me', async () => {
    const fetch = installFetch(() => [200, {}]);
    await createAuthFetch({ baseUrl: 'https://api.example/v1' })('/me');
    expect(fetch.mock.calls[0]![0]).toBe('https://api.example/v1/me');
  });

  it('a 401 step-up challenge answered from another origin (after a redirect) opens no step-up and signs nobody out', async () => {
    const fetch = challengeEverywhere('https://evil.example/landing');
    const onStepUp = vi.fn(async () => true);
    const onUnauthorized = vi.fn();
    const authFetch = createAuthFetch({ baseUrl: BASE, onStepUp, onUnauthorized });
    await expect(authFetch('/orders')).rejects.toMatchObject({ status: 401 });
    expect(onStepUp).not.toHaveBeenCalled();
    expect(onUnauthorized).not.toHaveBeenCalled();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("useAuthFetch: a foreign path's 401 challenge neither opens a step-up popup nor signs the app out", async () => {
    installFetch(meRoute({ reply: signedIn() }));
    const open = vi.spyOn(window, 'open').mockReturnValue(null);
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const sink: { fetch?: AuthFetch } = {};
    renderAuth(<Grab onValue={(f) => (sink.fetch = f)} />);
    await waitFor(() => expect(status()).toBe('signed-in'));
    const fetch = challengeEverywhere();
    for (const path of ['.evil.example/x', '@evil.example/x', 'https://evil.example/x']) {
      await act(() =>
        expect(sink.fetch!(path, { method: 'POST' })).rejects.toMatchObject({
          code: 'foreign_origin',
        }),
      );
    }
    expect(fetch).not.toHaveBeenCalled();
    expect(open).not.toHaveBeenCalled();
    expect(assign).not.toHaveBeenCalled();
    expect(status()).toBe('signed-in');
  });
});
