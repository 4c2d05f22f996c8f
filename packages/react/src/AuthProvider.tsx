import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
  type RefObject,
} from 'react';
import { openChannel } from './channel.js';
import { authError, toAuthError } from './errors.js';
import {
  AuthFetchError,
  createAuthFetch,
  type AuthFetch,
  type AuthFetchOptions,
  type StepUp,
} from './fetch.js';
import { SIGNED_OUT_MARK, SILENT_FLAG, takeRedirectFlag } from './flags.js';
import {
  SIGNED_OUT,
  useSignIn,
  useStepUp,
  type Check,
  type Found,
  type Live,
  type Reason,
  type SetState,
} from './sign-in.js';
import type { AuthContextValue, AuthError, AuthState, AuthUser, SignInOptions } from './types.js';

/**
 * Props of {@link AuthProvider}. `baseUrl` is the backend's URL (`VITE_BASE_REST_URL` when the
 * app is built by Vite, else `''`: the page's own origin). `initialUser` is the user the server
 * rendered the page for (`null`: it found no session), so the first render needs no `GET /me`.
 *
 * @example
 * ```tsx
 * <AuthProvider baseUrl="https://api.example.com"><App /></AuthProvider>
 * ```
 */
export interface AuthProviderProps {
  baseUrl?: string;
  /**
   * The signed-in user as the server saw it when rendering (the `user` of the backend's
   * `GET /me`, or the server package's session user), or `null` when the server found no
   * session. Read on the first render only; `GET /me` is still asked on mount. Omitted: the
   * state is `loading` until `/me` answers.
   */
  initialUser?: AuthUser | Pick<AuthUser, 'sub' | 'name' | 'email' | 'groups'> | null;
  /**
   * Tries a silent sign-in (`signIn({ silent: true })`) once on load when signed out: a user
   * still signed in at the provider comes back signed in without a click.
   */
  silent?: boolean;
  children?: ReactNode;
}

interface Context {
  value: AuthContextValue;
  expire: () => void;
  stepUp: (asked: StepUp) => Promise<boolean>;
}

const AuthContext = createContext<Context | null>(null);

function envBaseUrl(): string {
  // Guarded: `import.meta.env` exists only when Vite (or Vitest) builds the app. Written out in
  // full so that Vite's build replaces it with the value.
  return import.meta.env?.VITE_BASE_REST_URL ?? '';
}

function useContextOrThrow(hook: string): Context {
  const context = useContext(AuthContext);
  if (!context) throw new Error(`${hook} must be used inside <AuthProvider>.`);
  return context;
}

/** The first state: the server's user if it rendered one, else `loading` until `/me` answers. */
function initialState(user: AuthProviderProps['initialUser']): AuthState {
  if (user === undefined) return { ...SIGNED_OUT, status: 'loading' };
  if (!user) return SIGNED_OUT;
  return { status: 'signed-in', user: user as AuthUser, expiresAt: null, error: null };
}

/** The error to show once `/me` answered 401, by what the state was and why `/me` was asked. */
function errorAfter401(s: AuthState, reason: Reason): AuthError | null {
  if (reason === 'popup-closed') return authError('popup_closed');
  // A session lost without the user asking has expired, unless another tab signed out.
  if (s.status === 'signed-in') return reason === 'check' ? authError('session_expired') : null;
  // An error shown while signed out (a failed popup sign-in) stays.
  return s.status === 'signed-out' ? s.error : null;
}

/** `check()`: asks `GET /me` (aborting the previous ask) and sets the state from its answer. */
function useCheck(api: AuthFetch, liveRef: RefObject<Live>, setState: SetState): Check {
  return useCallback(
    async (reason: Reason = 'check'): Promise<Found> => {
      const l = liveRef.current;
      l.me?.abort();
      const ctl = (l.me = new AbortController());
      try {
        const me = await api<{ user?: AuthUser; expiresAt?: number }>('/me', {
          signal: ctl.signal,
        });
        if (!me?.user) throw new AuthFetchError('http_error', 'No user in /me', 500);
        l.sub = me.user.sub;
        setState({
          status: 'signed-in',
          user: me.user,
          expiresAt: me.expiresAt ?? null,
          error: null,
        });
        if (takeRedirectFlag()) l.channel?.post('signed-in');
        // Signed in: a later silent sign-in may try again (each try ends signed in or flagged).
        takeRedirectFlag(SILENT_FLAG);
        return me.user;
      } catch (e) {
        if (ctl.signal.aborted) return undefined;
        if (e instanceof AuthFetchError && e.status === 401) {
          l.sub = undefined;
          takeRedirectFlag();
          setState((s) => ({ ...SIGNED_OUT, error: errorAfter401(s, reason) }));
        } else {
          // A signed-in user stays signed in through a network blip, with the error shown.
          const error = toAuthError(e);
          setState((s) =>
            s.status === 'signed-in' ? { ...s, error } : { ...SIGNED_OUT, status: 'error', error },
          );
          return undefined;
        }
        return false;
      }
    },
    [api, liveRef, setState],
  );
}

/** `signOut()`: ends the session on the backend, then at the provider if it has a URL for it. */
function useSignOut(api: AuthFetch, liveRef: RefObject<Live>, setState: SetState) {
  return useCallback(async () => {
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
    // Also sets the flag that keeps every tab from a silent sign-in until the user signs in.
    liveRef.current.channel?.post('signed-out');
    if (end && /^https?:\/\//i.test(end)) window.location.assign(end);
    else setState(SIGNED_OUT);
  }, [api, liveRef, setState]);
}

/**
 * Asks `/me` on mount and whenever another tab signs in or out; asks again when the session's
 * `expiresAt` passes. Everything is undone on unmount.
 */
function useSessionWatch(
  state: AuthState,
  liveRef: RefObject<Live>,
  check: Check,
  silent: (() => void) | false,
): void {
  useEffect(() => {
    const l = liveRef.current;
    l.channel = openChannel(
      (m) => void check(m === 'signed-out' ? 'signed-out-elsewhere' : 'check'),
    );
    // A silent sign-in that found no provider session: signed out, and the marker goes.
    if (window.location.hash === SIGNED_OUT_MARK) {
      const { pathname, search } = window.location;
      window.history.replaceState(window.history.state, '', pathname + search);
    }
    void check().then((signedIn) => {
      if (signedIn === false && silent) silent();
    });
    return () => {
      l.me?.abort();
      l.channel?.close();
      l.stop?.();
      l.stop = undefined;
    };
    // Once, on mount: `silent` is read then.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [liveRef, check]);

  useEffect(() => {
    if (state.status !== 'signed-in' || !state.expiresAt) return;
    // One second late so the server has expired it too; 30 s when the clocks disagree.
    const ms = state.expiresAt * 1000 - Date.now() + 1000;
    const timer = setTimeout(() => void check(), ms > 0 ? Math.min(ms, 2 ** 31 - 1) : 30_000);
    return () => clearTimeout(timer);
  }, [state, check]);
}

/**
 * Holds the session state for its children: asks the backend's `GET /me` on mount, follows
 * sign-in and sign-out in other tabs, and asks again when the session's `expiresAt` passes.
 * Renders nothing browser-specific, so it is safe under server-side rendering; given the
 * `initialUser` the server rendered, the first render is already signed in.
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
export function AuthProvider({
  baseUrl = envBaseUrl(),
  initialUser,
  silent = false,
  children,
}: AuthProviderProps) {
  const [state, setState] = useState(() => initialState(initialUser));
  const liveRef = useRef<Live>({});
  const api = useMemo(() => createAuthFetch({ baseUrl }), [baseUrl]);
  const check = useCheck(api, liveRef, setState);
  const start = useSignIn(baseUrl, liveRef, check, setState);
  const signIn = useCallback((options?: SignInOptions) => start(options), [start]);
  const stepUp = useStepUp(liveRef, check, start);
  const signOut = useSignOut(api, liveRef, setState);
  const refresh = useCallback(async () => {
    await check();
  }, [check]);
  const expire = useCallback(
    () =>
      setState((s) => ({
        ...SIGNED_OUT,
        error: s.status === 'signed-in' ? authError('session_expired') : s.error,
      })),
    [],
  );
  useSessionWatch(state, liveRef, check, silent && (() => start({ silent: true })));

  const context = useMemo(
    () => ({ value: { ...state, signIn, signOut, refresh, baseUrl }, expire, stepUp }),
    [state, signIn, signOut, refresh, baseUrl, expire, stepUp],
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
 * to `signed-out`, with the `session_expired` error when the user was signed in. A step-up
 * challenge (401 `insufficient_user_authentication`, RFC 9470) instead opens a popup sign-in
 * with the `acr_values` and `max_age` asked (a redirect back to this page when the browser
 * blocks it) and, once signed in again, retries the request once.
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
export function useAuthFetch(
  options: Pick<AuthFetchOptions, 'timeout' | 'retryNonIdempotent'> = {},
): AuthFetch {
  const { value, expire, stepUp } = useContextOrThrow('useAuthFetch()');
  const { baseUrl } = value;
  const { timeout, retryNonIdempotent } = options;
  return useMemo(
    () =>
      createAuthFetch({
        baseUrl,
        timeout,
        retryNonIdempotent,
        onUnauthorized: expire,
        onStepUp: stepUp,
      }),
    [baseUrl, timeout, retryNonIdempotent, expire, stepUp],
  );
}
