import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';
import type { TokenKey } from '../config/keys.js';

/** The tokens a session keeps, never sent to the browser. */
export interface SessionTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  /**
   * Tokens for remote APIs, by API name, with their expiry (epoch seconds, 0: unknown); `dpop`:
   * bound to the session's DPoP key, sent with a proof.
   */
  apis?: Record<string, { access_token: string; expires_at: number; dpop?: true }>;
  /** The session's DPoP private key (ES256 JWK, `DPOP=on`): its tokens are bound to it. */
  dpop?: DPoPPrivateJwk;
}

/** A private EC P-256 key as a JWK (RFC 7518 6.2), the members a DPoP key needs. */
export interface DPoPPrivateJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
}

/**
 * Opens tokens sealed under any of `keys` (the current SESSION_SECRET's first, then previous
 * ones): the tokens and the key that opened them, or undefined when none does.
 */
export function openWithAny(
  sealed: Uint8Array,
  keys: readonly TokenKey[],
  sessionKey: string,
  hint?: string,
): { tokens: SessionTokens; key: TokenKey } | undefined {
  // The key the record names first: a single decryption on every ordinary load.
  const named = keys.find((key) => key.id === hint);
  for (const key of named ? [named, ...keys.filter((other) => other !== named)] : keys) {
    try {
      return { tokens: openTokens(sealed, key.key, sessionKey), key };
    } catch {
      // sealed under another secret (or altered): try the next key
    }
  }
  return undefined;
}

const IV = 12;
const TAG = 16;

/** AES-256-GCM with the session key as associated data: a ciphertext moved to another session fails. */
export function sealTokens(tokens: SessionTokens, key: Buffer, sessionKey: string): Uint8Array {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(sessionKey));
  const body = cipher.update(JSON.stringify(tokens), 'utf8');
  const last = cipher.final();
  // One exact-size allocation: Buffer.concat takes buffers under 4 KiB from Node's shared 8 KiB
  // pool, and a session kept for hours would keep its whole pool slab alive (twice the bytes).
  const sealed = new Uint8Array(IV + TAG + body.length + last.length);
  sealed.set(iv, 0);
  sealed.set(cipher.getAuthTag(), IV);
  sealed.set(body, IV + TAG);
  sealed.set(last, IV + TAG + body.length);
  return sealed;
}

/** Throws when the ciphertext was altered, moved, or sealed under another SESSION_SECRET. */
export function openTokens(sealed: Uint8Array, key: Buffer, sessionKey: string): SessionTokens {
  const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV));
  decipher.setAAD(Buffer.from(sessionKey));
  decipher.setAuthTag(data.subarray(IV, IV + TAG));
  const text = Buffer.concat([decipher.update(data.subarray(IV + TAG)), decipher.final()]);
  return JSON.parse(text.toString('utf8')) as SessionTokens;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** A new session id: 256 random bits, base64url (43 characters). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** The store key of a session id, or undefined for a value that cannot be one of ours. */
export function sessionKeyOf(sessionId: string): string | undefined {
  if (!SESSION_ID.test(sessionId)) return undefined;
  // One-shot: no Hash object per call (this runs on every cookie-authenticated request).
  return hash('sha256', sessionId, 'base64url');
}
