/** The signed-in user, as the ID token (and userinfo) described them. */
export interface SessionUser {
  sub: string;
  name?: string;
  email?: string;
  groups?: string[];
}

/**
 * One server-side session. Times are epoch seconds. `tokens` is ciphertext: stores keep it
 * as opaque bytes and never see a token.
 */
export interface SessionRecord {
  user: SessionUser;
  /** The provider's session id (`sid` claim), for back-channel logout. */
  sid?: string;
  createdAt: number;
  lastSeenAt: number;
  /** When the session ends: the earlier of the idle and the absolute timeout. */
  expiresAt: number;
  /** When the access token expires (0 when the provider did not say). */
  accessTokenExpiresAt: number;
  /** Whether a refresh token is kept, so the hot path needs no decryption to know. */
  refreshable: boolean;
  /** AES-256-GCM ciphertext of the tokens, bound to the session key. */
  tokens: Uint8Array;
  userAgent?: string;
}

/**
 * Where sessions live. Keys are SHA-256 hashes of the cookie's session id, so a leaked store
 * holds no usable cookie. A store expires records at `expiresAt` on its own.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouse({ ...options, sessionStore: new MemoryStore() })
 * ```
 */
export interface SessionStore {
  get(key: string): Promise<SessionRecord | undefined>;
  set(key: string, record: SessionRecord): Promise<void>;
  /** Records activity without rewriting the tokens. */
  touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
