import { createHmac, hkdfSync } from 'node:crypto';

/**
 * A key that seals tokens at rest, with a short public id stored beside each sealed record, so
 * a load knows without decrypting whether the record was sealed under the current secret.
 */
export interface TokenKey {
  readonly id: string;
  readonly key: Buffer;
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
