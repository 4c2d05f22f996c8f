/** The signed-in user, as the ID token (and userinfo) described them. */
export interface SessionUser {
  sub: string;
  name?: string;
  email?: string;
  groups?: string[];
  /**
   * The issuer that signed the user in, with several providers (docs/tenants.md): beside
   * `principal.provider`, for apps that key users by issuer and `sub`.
   */
  iss?: string;
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
  /** Id of the key that sealed `tokens` (absent on records written before key ids). */
  tokenKey?: string;
  /** The scopes the provider granted (token response `scope`); absent: the requested ones. */
  scopes?: string[];
  userAgent?: string;
  /** The ID token's `acr` at sign-in: how the user authenticated (step-up, RFC 9470). */
  acr?: string;
  /** The ID token's `auth_time` at sign-in (epoch seconds). */
  authTime?: number;
  /** Claims the `onSignIn` hook chose to keep (JSON, at most 2 KiB). */
  claims?: Record<string, unknown>;
  /** The provider signed in at (docs/tenants.md); absent: `default`, the single settings'. */
  provider?: string;
}

/**
 * How long a store keeps a record past its `expiresAt`, in seconds: a browser that comes back
 * after its session expired (idle) finds it, so the session is ended properly and its refresh
 * token revoked, not just forgotten. Only {@link SessionStore.get} returns such a record.
 */
export const EXPIRED_RETENTION = 60 * 60;

/**
 * Where sessions live. Keys are SHA-256 hashes of the cookie's session id, so a leaked store
 * holds no usable cookie. A store deletes records {@link EXPIRED_RETENTION} seconds after their
 * `expiresAt` on its own; `get` returns them until then, every other read live sessions only.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouse({ ...options, sessionStore: new MemoryStore() })
 * ```
 */
export interface SessionStore {
  get(key: string): Promise<SessionRecord | undefined>;
  /** Stores a new session (a sign-in). The only write that may create a record. */
  create(key: string, record: SessionRecord): Promise<void>;
  /**
   * Rewrites a live session after a refresh (or a re-seal under a new SESSION_SECRET), in one
   * atomic step: everything but the activity fields (`lastSeenAt`, `expiresAt`), which stay as
   * {@link touch} left them. Applied only while the session is live and, with `ifTokens`, while
   * its sealed tokens are still those bytes; false otherwise, with nothing written: a refresh
   * that overlaps a sign-out can never bring the session back.
   */
  update(key: string, record: SessionRecord, ifTokens?: Uint8Array): Promise<boolean>;
  /**
   * Records activity on a live session: only `lastSeenAt` and `expiresAt`, never the tokens, and
   * never a record that is gone.
   */
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
  /** How many live sessions there are (for metrics): cheap, never a scan of every record. */
  count?(): Promise<number>;
  /** Up to `limit` live sessions, any order: for `gatehouse doctor`'s secret check. */
  sample?(limit: number): Promise<StoredSession[]>;
  /** Resolves when the store answers, throws a 503 error otherwise (for readiness). */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/** A session with its store key. */
export interface StoredSession {
  key: string;
  record: SessionRecord;
}
