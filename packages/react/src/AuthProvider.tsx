import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { openChannel, type TabChannel } from './channel.js';
import { authError, toAuthError } from './errors.js';
import { AuthFetchError, createAuthFetch, type AuthFetch } from './fetch.js';
import { openPopup } from './popup.js';
import type { AuthContextValue, AuthState, AuthUser, SignInOptions } from './types.js';

/**
 * Props of {@link AuthProvider}. `baseUrl` is the backend's URL (`VITE_BASE_REST_URL` when the
 * app is built by Vite, else `''`: the page's own origin).
 *
 * @example
 * ```tsx
 * <AuthProvider baseUrl="https://api.example.com"><App /></AuthProvider>
 * ```
 */
export interface AuthProviderProps {
  baseUrl?: string;
  children?: ReactNode;
}

interface Context {
  value: AuthContextValue;
  expire: () => void;
}

const AuthContext = createContext<Context | null>(null);
const SIGNED_OUT = { status: 'signed-out', user: null, expiresAt: null, error: null } as const;
const REDIRECT_FLAG = 'gatehouse:redirect';

/** Why `/me` is asked again: it decides what a 401 means to the user. */
type Reason = 'check' | 'popup-closed' | 'signed-out-elsewhere';

function envBaseUrl(): string {
  // Guarded: `import.meta.env` exists only when Vite (or Vitest) builds the app. Written out in
  // full so that Vite's build replaces it with the value.
  return import.meta.env?.VITE_BASE_REST_URL ?? '';
}

/** Reads and clears the flag a redirect sign-in leaves in this tab (a flag, never a token). */
function takeRedirectFlag(): boolean {
  try {
    const had = sessionStorage.getItem(REDIRECT_FLAG) !== null;
    sessionStorage.removeItem(REDIRECT_FLAG);
    return had;
  } catch {
    return false;
  }
}

function useContextOrThrow(hook: string): Context {
  const context = useContext(AuthContext);
  if (!context) throw new Error(`${hook} must be used inside <AuthProvider>.`);
  return context;
}

/**
 * Holds the session state for its children: asks the backend's `GET /me` on mount, follows
 * sign-in and sign-out in other tabs, and asks again when the session's `expiresAt` passes.
 * Renders nothing browser-specific, so it is safe under server-side rendering.
 *
 * @example
 * ```tsx
 * createRoot(document.getElementById('root')!).render(
 *   <AuthProvider baseUrl={import.meta.env.VITE_BASE_REST_URL}>
 *     <App />
 *   </AuthProvider>,
 * );
 * ```
 */
export function AuthProvider({ baseUrl = envBaseUrl(), children }: AuthProviderProps) {
  const [state, setState] = useState<AuthState>({ ...SIGNED_OUT, status: 'loading' });
  const live = useRef<{ me?: AbortController; channel?: TabChannel; stop?: () => void }>({});
  const api = useMemo(() => createAuthFetch({ baseUrl }), [baseUrl]);

  const check = useCallback(
    async (reason: Reason = 'check'): Promise<boolean> => {
      const l = live.current;
      l.me?.abort();
      const ctl = (l.me = new AbortController());
      try {
        const me = await api<{ user?: AuthUser; expiresAt?: number }>('/me', {
          signal: ctl.signal,
        });
        if (!me?.user) throw new AuthFetchError('http_error', 'No user in /me', 500);
        setState({
          status: 'signed-in',
          user: me.user,
          expiresAt: me.expiresAt ?? null,
          error: null,
        });
        if (takeRedirectFlag()) l.channel?.post('signed-in');
        return true;
      } catch (e) {
        if (ctl.signal.aborted) return false;
        if (e instanceof AuthFetchError && e.status === 401) {
          takeRedirectFlag();
          setState((s) => ({
            ...SIGNED_OUT,
            error:
              reason === 'popup-closed'
                ? authError('popup_closed')
                : s.status === 'signed-in'
                  ? reason === 'check'
                    ? authError('session_expired')
                    : null
                  : s.status === 'signed-out'
                    ? s.error
                    : null,
          }));
        } else {
          // A signed-in user stays signed in through a network blip, with the error shown.
          const error = toAuthError(e);
          setState((s) =>
            s.status === 'signed-in' ? { ...s, error } : { ...SIGNED_OUT, status: 'error', error },
          );
        }
        return false;
      }
    },
    [api],
  );

  const expire = useCallback(
    () =>
      setState((s) => ({
        ...SIGNED_OUT,
        error: s.status === 'signed-in' ? authError('session_expired') : s.error,
      })),
    [],
  );

  const signIn = useCallback(
    ({ popup = false, returnTo }: SignInOptions = {}) => {
      const l = live.current;
      const { pathname, search, hash, href } = window.location;
      const url = `${baseUrl}/login?returnTo=${encodeURIComponent(returnTo ?? pathname + search + hash)}`;
      l.stop?.();
      l.stop = undefined;
      if (popup) {
        const stop = openPopup(`${url}&popup=1`, new URL(baseUrl || '/', href).origin, (r) => {
          l.stop = undefined;
          if (r.type === 'signed-in') {
            void check().then(() => l.channel?.post('signed-in'));
          } else if (r.type === 'error') {
            const error = authError(r.error, r.description);
            setState((s) =>
              s.status === 'signed-in' ? { ...s, error } : { ...SIGNED_OUT, error },
            );
          } else {
            // A provider page with COOP severs our link to the popup, which then looks closed
            // while the user is still signing in: look again when the user comes back.
            const onFocus = () => {
              l.stop?.();
              void check();
            };
            const unlisten = () => window.removeEventListener('focus', onFocus);
            window.addEventListener('focus', onFocus);
            l.stop = unlisten;
            // The callback page posts and closes at once, and `closed` can turn true before its
            // message arrives: a session found now is a finished sign-in, for other tabs too.
            void check('popup-closed').then((signedIn) => {
              if (!signedIn) return;
              unlisten();
              if (l.stop === unlisten) l.stop = undefined;
              l.channel?.post('signed-in');
            });
          }
        });
        if (stop) {
          l.stop = stop;
          setState((s) => (s.error ? { ...s, error: null } : s));
          return;
        }
        setState((s) => ({ ...s, error: authError('popup_blocked') }));
      }
      try {
        sessionStorage.setItem(REDIRECT_FLAG, '1');
      } catch {
        // storage disabled: other tabs will not hear of this sign-in
      }
      window.location.assign(url);
    },
    [baseUrl, check],
  );

  const signOut = useCallback(async () => {
    let end: string | null | undefined;
    try {
      const body = await api<{ endSessionUrl?: string | null }>('/logout', { method: 'POST' });
      end = body?.endSessionUrl;
    } catch (e) {
      if (!(e instanceof AuthFetchError && e.status === 401)) {
        const error = toAuthError(e);
        setState((s) => ({ ...s, error }));
        return;
      }
    }
    live.current.channel?.post('signed-out');
    if (end && /^https?:\/\//i.test(end)) window.location.assign(end);
    else setState(SIGNED_OUT);
  }, [api]);

  const refresh = useCallback(async () => {
    await check();
  }, [check]);

  useEffect(() => {
    const l = live.current;
    l.channel = openChannel(
      (m) => void check(m === 'signed-out' ? 'signed-out-elsewhere' : 'check'),
    );
    void check();
    return () => {
      l.me?.abort();
      l.channel?.close();
      l.stop?.();
      l.stop = undefined;
    };
  }, [check]);

  useEffect(() => {
    if (state.status !== 'signed-in' || !state.expiresAt) return;
    // One second late so the server has expired it too; 30 s when the clocks disagree.
    const ms = state.expiresAt * 1000 - Date.now() + 1000;
    const timer = setTimeout(() => void check(), ms > 0 ? Math.min(ms, 2 ** 31 - 1) : 30_000);
    return () => clearTimeout(timer);
  }, [state, check]);

  const context = useMemo(
    () => ({ value: { ...state, signIn, signOut, refresh, baseUrl }, expire }),
    [state, signIn, signOut, refresh, baseUrl, expire],
  );
  return <AuthContext.Provider value={context}>{children}</AuthContext.Provider>;
}

/**
 * The session state and the sign-in and sign-out actions. Must be called inside
 * {@link AuthProvider}.
 *
 * @example
 * ```tsx
 * function Header() {
 *   const { status, user, signIn, signOut } = useAuth();
 *   if (status === 'loading') return <p>Authenticating...</p>;
 *   return status === 'signed-in' ? (
 *     <button onClick={() => void signOut()}>Sign out {user.name}</button>
 *   ) : (
 *     <button onClick={() => signIn({ popup: true })}>Sign in</button>
 *   );
 * }
 * ```
 */
export function useAuth(): AuthContextValue {
  return useContextOrThrow('useAuth()').value;
}

/**
 * A fetch for the backend's API (see {@link createAuthFetch}) whose 401 answers turn the state
 * to `signed-out`, with the `session_expired` error when the user was signed in.
 *
 * @example
 * ```tsx
 * function SecureData() {
 *   const authFetch = useAuthFetch();
 *   const [data, setData] = useState<unknown>();
 *   return <button onClick={async () => setData(await authFetch('/secure-data'))}>Load</button>;
 * }
 * ```
 */
export function useAuthFetch(options: { timeout?: number } = {}): AuthFetch {
  const { value, expire } = useContextOrThrow('useAuthFetch()');
  const { baseUrl } = value;
  const { timeout } = options;
  return useMemo(
    () => createAuthFetch({ baseUrl, timeout, onUnauthorized: expire }),
    [baseUrl, timeout, expire],
  );
}
