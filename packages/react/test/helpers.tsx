import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { useLayoutEffect, type ReactNode } from 'react';
import { afterEach, expect, vi } from 'vitest';
import {
  AuthProvider,
  useAuth,
  type AuthContextValue,
  type AuthProviderProps,
} from '../src/index.js';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  sessionStorage.clear();
  localStorage.clear();
});

export const BASE = 'http://api.test';
export const USER = {
  sub: 'u1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  groups: ['admins'],
};

/** A backend answer: `[status, body]`, an Error (no answer), or a promise that never settles. */
export type Reply = [status: number, body?: unknown] | Error | 'hang';
export type Route = (method: string, path: string, init: RequestInit) => Reply;

/** Replaces `fetch` with a fake backend that honours abort signals; returns the mock. */
export function installFetch(route: Route) {
  const fn = vi.fn((url: string, init: RequestInit = {}) => {
    const path = url.startsWith(BASE) ? url.slice(BASE.length) : url;
    const reply = route(init.method ?? 'GET', path, init);
    return new Promise<unknown>((resolve, reject) => {
      const abort = () => reject(new DOMException('The operation was aborted.', 'AbortError'));
      if (init.signal?.aborted) return abort();
      init.signal?.addEventListener('abort', abort);
      if (reply === 'hang') return;
      if (reply instanceof Error) return reject(reply);
      const [status, body] = reply;
      resolve({
        ok: status >= 200 && status < 300,
        status,
        headers: new Headers({ 'Content-Type': 'application/json' }),
        text: async () => (body === undefined ? '' : JSON.stringify(body)),
      });
    });
  });
  vi.stubGlobal('fetch', fn);
  return fn;
}

/** A fake backend answering `/me` from a mutable reply. */
export function meRoute(me: { reply: Reply }, others: Record<string, Reply> = {}): Route {
  return (method, path) => (path === '/me' ? me.reply : (others[`${method} ${path}`] ?? [404]));
}

export const signedIn = (expiresAt = Math.floor(Date.now() / 1000) + 3600): Reply => [
  200,
  { user: USER, expiresAt },
];

/**
 * Renders the provider (with `props`, `baseUrl` {@link BASE} by default) and a probe that shows
 * the state and exposes the latest value.
 */
export function renderAuth(
  children?: ReactNode,
  wrap: (node: ReactNode) => ReactNode = (n) => n,
  props: Omit<AuthProviderProps, 'children'> = {},
) {
  const sink: { auth?: AuthContextValue } = {};
  const tree = (p: Omit<AuthProviderProps, 'children'>) =>
    wrap(
      <AuthProvider baseUrl={BASE} {...p}>
        <Probe onValue={(auth) => (sink.auth = auth)} />
        {children}
      </AuthProvider>,
    );
  const view = render(tree(props));
  return {
    ...view,
    /** Renders again with other provider props. */
    rerenderWith: (p: Omit<AuthProviderProps, 'children'>) => view.rerender(tree(p)),
    get auth(): AuthContextValue {
      if (!sink.auth) throw new Error('not rendered');
      return sink.auth;
    },
  };
}

function Probe({ onValue }: { onValue: (auth: AuthContextValue) => void }) {
  const auth = useAuth();
  // In the commit itself, not a passive effect: a test that saw the DOM change must never
  // read the value of the render before it.
  useLayoutEffect(() => {
    onValue(auth);
  });
  return (
    <div>
      <p data-testid="status">{auth.status}</p>
      <p data-testid="error">{auth.error ? `${auth.error.code}: ${auth.error.message}` : ''}</p>
      <p data-testid="user">{auth.user?.email ?? ''}</p>
    </div>
  );
}

/** Calls made to the fake backend, as `METHOD path`. */
export const calls = (fn: ReturnType<typeof installFetch>) =>
  fn.mock.calls.map(([url, init]) => `${init?.method ?? 'GET'} ${url.replace(BASE, '')}`);

/**
 * A popup sign-in from a signed-out page, completed: `/me` answers 401, then the signed-in user
 * once the popup posts `gatehouse:signed-in`. Resolves with the view, signed in or on its way.
 */
export async function popupSignIn() {
  const me: { reply: Reply } = { reply: [401] };
  installFetch(meRoute(me));
  const popup = { closed: false, close: vi.fn(), focus: vi.fn() };
  vi.spyOn(window, 'open').mockReturnValue(popup as unknown as Window);
  const view = renderAuth();
  await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('signed-out'));
  act(() => view.auth.signIn({ popup: true }));
  me.reply = signedIn();
  act(() => {
    const data = { type: 'gatehouse:signed-in' };
    window.dispatchEvent(
      new MessageEvent('message', { data, origin: BASE, source: popup as never }),
    );
  });
  return view;
}
