/** Flags kept in this tab's sessionStorage: never a token. */
export const REDIRECT_FLAG = 'gatehouse:redirect';
/** A silent sign-in was tried (or the user signed out) in this browser session. */
export const SILENT_FLAG = 'gatehouse:silent';
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
