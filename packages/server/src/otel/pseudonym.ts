import { createHmac } from 'node:crypto';

/** A user's stable pseudonym: never the identifier itself. */
export type Pseudonym = (sub: string) => string;

/** Shorter keys make the pseudonym guessable from a list of known `sub` values. */
const MIN_KEY_BYTES = 32;

/**
 * `enduser.pseudo.id`: HMAC-SHA-256 of `sub` under the application's key, base64url. Without
 * the key no one can tell which user a pseudonym is, or test a guess.
 */
export function pseudonymOf(key: string | Uint8Array): Pseudonym {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (!(bytes instanceof Uint8Array) || bytes.length < MIN_KEY_BYTES) {
    throw new TypeError(
      `instrumentGatehouse: pseudonymKey must be at least ${MIN_KEY_BYTES} bytes (openssl rand -base64 32)`,
    );
  }
  return (sub) => createHmac('sha256', bytes).update(sub, 'utf8').digest('base64url');
}
