/** Flags kept in this tab's sessionStorage (and one in localStorage): never a token. */
export const REDIRECT_FLAG = 'gatehouse:redirect';
/** A silent sign-in was tried in this browser session. */
export const SILENT_FLAG = 'gatehouse:silent';
/**
 * In localStorage, so every tab and every later load sees it: the user signed out, and no
 * silent sign-in may bring them back until they sign in themselves.
 */
export const SIGNED_OUT_FLAG = 'gatehouse:signed-out';
/** The fragment the backend adds when a silent sign-in found no provider session. */
export const SIGNED_OUT_MARK = '#gatehouse=signed-out';

/** Sets a flag; false when it was set already (or storage is disabled). */
export function flag(name: string): boolean {
  try {
    if (sessionStorage.getItem(name) !== null) return false;
    sessionStorage.setItem(name, '1');
    return true;
  } catch {
    return false;
  }
}

/** Reads and clears a flag (the one a redirect sign-in leaves in this tab). */
export function takeRedirectFlag(name = REDIRECT_FLAG): boolean {
  try {
    const had = sessionStorage.getItem(name) !== null;
    sessionStorage.removeItem(name);
    return had;
  } catch {
    return false;
  }
}

/** Sets (`true`) or clears the browser-wide {@link SIGNED_OUT_FLAG}. */
export function markSignedOut(signedOut: boolean): void {
  try {
    if (signedOut) localStorage.setItem(SIGNED_OUT_FLAG, '1');
    else localStorage.removeItem(SIGNED_OUT_FLAG);
  } catch {
    // storage disabled: a silent sign-in is never tried there (the session flag cannot be set)
  }
}

/** Whether the user signed out in this browser and has not signed in since. */
export function signedOutHere(): boolean {
  try {
    return localStorage.getItem(SIGNED_OUT_FLAG) !== null;
  } catch {
    return false;
  }
}
