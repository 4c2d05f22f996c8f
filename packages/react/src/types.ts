/**
 * Where the session stands: `loading` until the first `GET /me` answers, then `signed-in`,
 * `signed-out`, or `error` when the backend or the provider could not be reached.
 *
 * @example
 * ```tsx
 * const { status } = useAuth();
 * if (status === 'loading') return <p>Authenticating...</p>;
 * ```
 */
export type AuthStatus = 'loading' | 'signed-out' | 'signed-in' | 'error';

/**
 * The signed-in user, as the backend's `GET /me` describes it (ID token claims, no token).
 *
 * @example
 * ```tsx
 * const { user } = useAuth();
 * return <p>{user?.name} ({user?.email})</p>;
 * ```
 */
export interface AuthUser {
  sub: string;
  name?: string;
  email?: string;
  groups?: string[];
  /** The issuer that signed the user in, when the backend has several providers. */
  iss?: string;
  [claim: string]: unknown;
}

/**
 * Stable codes of the errors `useAuth().error` can hold. Provider error codes from the popup
 * (`login_required`, `consent_required`, ...) pass through as they are.
 *
 * @example
 * ```ts
 * if (error?.code === 'session_expired') showSignInAgain();
 * ```
 */
export type AuthErrorCode =
  | 'access_denied'
  | 'popup_closed'
  | 'popup_blocked'
  | 'provider_unavailable'
  | 'session_expired'
  | 'network_error'
  | 'server_error';

/**
 * A readable error: switch on `code`, show `message` to the user.
 *
 * @example
 * ```tsx
 * const { error } = useAuth();
 * return error ? <div role="alert">{error.message}</div> : null;
 * ```
 */
export interface AuthError {
  code: AuthErrorCode | (string & {});
  message: string;
}

/**
 * Options of `signIn()`. `popup` defaults to `false` (a full-page redirect); `returnTo` is the
 * local path to come back to after a redirect sign-in, by default the current path, search
 * and hash.
 *
 * @example
 * ```ts
 * signIn({ popup: true });
 * signIn({ returnTo: '/settings' });
 * signIn({ params: { login_hint: 'ada@example.com', organization: 'org_123' } });
 * signIn({ provider: 'acme' });
 * signIn({ loginHint: 'ada@acme.example' });
 * signIn({ silent: true });
 * ```
 */
export interface SignInOptions {
  popup?: boolean;
  returnTo?: string;
  /**
   * Authorization parameters for the provider, on the backend's allow-list: `prompt`,
   * `login_hint`, `acr_values`, `max_age`, `ui_locales`, `organization`, and its `loginParams`.
   */
  params?: Record<string, string>;
  /** The id of the provider to sign in at, of the backend's `PROVIDERS` (`/login?provider=`). */
  provider?: string;
  /**
   * The user's email (`login_hint`): the backend picks the provider whose `domains` hold its
   * domain, and the provider's login page starts with it filled in.
   */
  loginHint?: string;
  /**
   * Signs in without a page at the provider (`prompt=none`, a top-level redirect): back signed
   * in when the provider's session lives, else signed out with no error. Tried once per tab
   * (`sessionStorage`) until the user is signed in again, so it can never loop; never after a
   * sign-out in this browser (a `localStorage` flag) until the user signs in interactively.
   */
  silent?: boolean;
}

/**
 * What `useAuth()` returns. `user` and `expiresAt` (epoch seconds, it slides with activity)
 * are set only while `status` is `signed-in`.
 *
 * @example
 * ```tsx
 * const { status, user, signIn, signOut } = useAuth();
 * return status === 'signed-in' ? (
 *   <button onClick={() => void signOut()}>Sign out {user.name}</button>
 * ) : (
 *   <button onClick={() => signIn({ popup: true })}>Sign in</button>
 * );
 * ```
 */
export type AuthContextValue = AuthState & {
  /** Starts sign-in in a popup (falls back to a redirect if the browser blocks it) or a redirect. */
  signIn(options?: SignInOptions): void;
  /** Ends the session on the backend, then at the provider when it has an end-session URL. */
  signOut(): Promise<void>;
  /** Asks `GET /me` again and updates the state. Stable across renders. */
  refresh(): Promise<void>;
  /** The backend's base URL this provider talks to (`''` for the same origin). */
  baseUrl: string;
};

/**
 * The state half of {@link AuthContextValue}, a union so that `user` is known when signed in.
 *
 * @example
 * ```ts
 * const state: AuthState = { status: 'signed-out', user: null, expiresAt: null, error: null };
 * ```
 */
export type AuthState =
  | { status: 'signed-in'; user: AuthUser; expiresAt: number | null; error: AuthError | null }
  | {
      status: 'loading' | 'signed-out' | 'error';
      user: null;
      expiresAt: null;
      error: AuthError | null;
    };
