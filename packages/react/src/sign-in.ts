// Sign-in as the provider runs it: a popup or a redirect to the backend's `/login`, and the
// RFC 9470 step-up that requests challenged by the backend wait for.
import { useCallback, type Dispatch, type RefObject, type SetStateAction } from 'react';
import type { TabChannel } from './channel.js';
import { authError } from './errors.js';
import { AuthFetchError, type StepUp } from './fetch.js';
import { flag, REDIRECT_FLAG, signedOutHere, SILENT_FLAG } from './flags.js';
import { openPopup, type PopupResult } from './popup.js';
import type { AuthState, AuthUser, SignInOptions } from './types.js';

export const SIGNED_OUT = {
  status: 'signed-out',
  user: null,
  expiresAt: null,
  error: null,
} as const;

/** The user `/me` found after a sign-in; `false` or `undefined` when it found none. */
export type Found = AuthUser | false | undefined;

/** Starts a sign-in; `ended` hears how a popup sign-in ended (the user when signed in). */
export type Start = (options?: SignInOptions, ended?: (found: Found) => void) => void;

/**
 * What the provider keeps across renders: the `/me` in flight, the tab channel, the popup
 * watch, the `sub` of the last `/me`, the step-up popup every challenged request waits for.
 */
export interface Live {
  me?: AbortController;
  channel?: TabChannel;
  stop?: () => void;
  sub?: string;
  stepUp?: Promise<Found>;
}

export type SetState = Dispatch<SetStateAction<AuthState>>;

/** Why `/me` is asked again: it decides what a 401 means to the user. */
export type Reason = 'check' | 'popup-closed' | 'signed-out-elsewhere';

/** Asks `GET /me` and sets the state; resolves to the user, `false` on 401, undefined: no answer. */
export type Check = (reason?: Reason) => Promise<Found>;

/** Sets the state from how the popup ended, and tells the other tabs of a sign-in. */
function onPopupEnd(
  r: PopupResult,
  l: Live,
  check: Check,
  setState: SetState,
  ended?: (found: Found) => void,
): void {
  l.stop = undefined;
  if (r.type === 'signed-in') {
    void check().then((found) => {
      l.channel?.post('signed-in');
      ended?.(found);
    });
    return;
  }
  ended?.(false);
  if (r.type === 'error') {
    const error = authError(r.error, r.description);
    setState((s) => (s.status === 'signed-in' ? { ...s, error } : { ...SIGNED_OUT, error }));
  } else {
    // A provider page with COOP severs our link to the popup, which then looks closed while
    // the user is still signing in: look again when the user comes back.
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
}

/**
 * `signIn()`: a popup when asked and not blocked, else a redirect to the backend's `/login`,
 * with the allow-listed `params`, `provider` and `loginHint`; `silent` adds `prompt=none`, once per
 * browser session.
 */
export function useSignIn(
  baseUrl: string,
  liveRef: RefObject<Live>,
  check: Check,
  setState: SetState,
): Start {
  return useCallback(
    (
      { popup = false, returnTo, params, silent, provider, loginHint }: SignInOptions = {},
      ended,
    ) => {
      // Never after a sign-out in this browser, and tried once per tab until signed in.
      if (silent && (signedOutHere() || !flag(SILENT_FLAG))) return;
      const l = liveRef.current;
      const { pathname, search, hash, href } = window.location;
      const query = new URLSearchParams({ returnTo: returnTo ?? pathname + search + hash });
      const all = [
        ...Object.entries(params ?? {}),
        ['provider', provider],
        ['login_hint', loginHint],
      ];
      for (const [name, value] of all) if (value) query.set(name!, value);
      if (silent) query.set('prompt', 'none');
      const url = `${baseUrl}/login?${query}`;
      l.stop?.();
      l.stop = undefined;
      if (popup && !silent) {
        const origin = new URL(baseUrl || '/', href).origin;
        const stop = openPopup(`${url}&popup=1`, origin, (r) =>
          onPopupEnd(r, l, check, setState, ended),
        );
        if (stop) {
          // A popup given up for another sign-in (or an unmount) still ends its waiter.
          l.stop = () => {
            stop();
            ended?.(false);
          };
          setState((s) => (s.error ? { ...s, error: null } : s));
          return;
        }
        setState((s) => ({ ...s, error: authError('popup_blocked') }));
      }
      // Storage disabled: other tabs will not hear of this sign-in.
      flag(REDIRECT_FLAG);
      window.location.assign(url);
    },
    [baseUrl, liveRef, check, setState],
  );
}

/**
 * RFC 9470 step-up: a popup sign-in with what the backend asked, one at a time: every request
 * challenged meanwhile waits for the same one. True once the same user signed in again.
 */
export function useStepUp(liveRef: RefObject<Live>, check: Check, start: Start) {
  return useCallback(
    async ({ acrValues = '', maxAge = '' }: StepUp) => {
      const l = liveRef.current;
      const before = l.sub ?? ((await check()) || undefined)?.sub;
      const params = { acr_values: acrValues, max_age: maxAge };
      const found = await (l.stepUp ??= new Promise<Found>((resolve) =>
        start({ popup: true, params }, resolve),
      ).finally(() => (l.stepUp = undefined)));
      if (!found) return false;
      // The request was made as `before`: sent again as someone else, it could act for them.
      if (found.sub !== before) {
        throw new AuthFetchError(
          'step_up_user_changed',
          'Another user signed in: the request was not sent again.',
          401,
        );
      }
      return true;
    },
    [liveRef, check, start],
  );
}
