// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { AuthProvider, useAuth, useAuthFetch } from '../src/index.js';

function Screen() {
  const { status } = useAuth();
  useAuthFetch();
  return <p>{status === 'loading' ? 'Authenticating...' : status}</p>;
}

function Name() {
  return <p>{useAuth().user?.name}</p>;
}

describe('server-side rendering', () => {
  it('renders the loading state without window, document, fetch or BroadcastChannel', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    vi.stubGlobal('BroadcastChannel', undefined);
    try {
      const html = renderToString(
        <AuthProvider baseUrl="http://api.test">
          <Screen />
        </AuthProvider>,
      );
      expect(html).toBe('<p>Authenticating...</p>');
      expect(fetch).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('renders the initialUser signed in, and null signed out, still without fetch', () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    vi.stubGlobal('BroadcastChannel', undefined);
    try {
      const html = renderToString(
        <AuthProvider baseUrl="http://api.test" initialUser={{ sub: 'u1', name: 'Ada' }}>
          <Screen />
          <Name />
        </AuthProvider>,
      );
      expect(html).toBe('<p>signed-in</p><p>Ada</p>');
      expect(
        renderToString(
          <AuthProvider baseUrl="http://api.test" initialUser={null}>
            <Screen />
          </AuthProvider>,
        ),
      ).toBe('<p>signed-out</p>');
      expect(fetch).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('renders with the default baseUrl outside Vite', () => {
    expect(() =>
      renderToString(
        <AuthProvider>
          <Screen />
        </AuthProvider>,
      ),
    ).not.toThrow();
  });
});
