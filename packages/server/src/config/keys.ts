import { createHmac, hkdfSync } from 'node:crypto';

/**
 * A key that seals tokens at rest, with a short public id stored beside each sealed record, so
 * a load knows without decrypting whether the record was sealed under the current secret.
 */
export interface TokenKey {
  readonly id: string;
  readonly key: Buffer;
  /**
   * From SESSION_SECRET_NEXT (phase 1 of a rotation): it opens records but never seals one, and
   * a record sealed under it is left as it is, never re-sealed back under the current secret.
   */
  readonly next?: true;
}

/** A 32-byte key for one purpose, derived from one SESSION_SECRET (HKDF-SHA256). */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', `gatehouse ${purpose} v1`, 32));
}

export function tokenKey(secret: string): TokenKey {
  const key = deriveKey(secret, 'tokens');
  const id = createHmac('sha256', key).update('key id').digest('base64url').slice(0, 8);
  return Object.freeze({ id, key });
}

/** The key of a SESSION_SECRET_NEXT secret: it opens, it never seals. */
export function nextTokenKey(secret: string): TokenKey {
  return Object.freeze({ ...tokenKey(secret), next: true as const });
}
