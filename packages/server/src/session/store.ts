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
  /** The live sessions of one user: "your devices", and back-channel logout by `sub`. */
  listBySubject(sub: string): Promise<StoredSession[]>;
  /** The live sessions started in one provider session: back-channel logout by `sid`. */
  listBySid(sid: string): Promise<StoredSession[]>;
  /** Records a one-time id (a logout token's `jti`) until `expiresAt`; false when already seen. */
  claimOnce(id: string, expiresAt: number): Promise<boolean>;
  /**
   * A lock shared by every instance using this store, held at most `ttlMs`: resolves to its
   * release, or undefined when another holder has it. Stores that serve one process omit it.
   */
  lock?(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** How many live sessions there are (for metrics). */
  count?(): Promise<number>;
  /** Resolves when the store answers, throws a 503 error otherwise (for readiness). */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/** A session with its store key. */
export interface StoredSession {
  key: string;
  record: SessionRecord;
}
