import { AuthFetchError } from './fetch.js';
import type { AuthError } from './types.js';

const MESSAGES: Record<string, string> = {
  access_denied: 'Sign-in was denied or cancelled.',
  popup_closed: 'The sign-in window was closed before sign-in finished.',
  popup_blocked: 'Your browser blocked the sign-in window, so sign-in continues in this tab.',
  provider_unavailable:
    'The sign-in service cannot be reached right now. Please try again in a moment.',
  session_expired: 'Your session has expired. Please sign in again.',
  network_error: 'The server could not be reached. Check your connection and try again.',
  server_error: 'Something went wrong on the server. Please try again.',
};

/** An {@link AuthError} with the readable message of its code, or `message` when given. */
export function authError(code: string, message?: string): AuthError {
  return { code, message: message || MESSAGES[code] || 'Sign-in failed. Please try again.' };
}

/** Maps a failed backend call onto the error the UI shows. */
export function toAuthError(e: unknown): AuthError {
  if (!(e instanceof AuthFetchError) || !e.status) return authError('network_error');
  if (e.status >= 502 && e.status <= 504) return authError('provider_unavailable');
  return authError('server_error');
}
