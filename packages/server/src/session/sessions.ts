import { setBounded } from '../bounded-map.js';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import type { TokenKey } from '../config/keys.js';
import { SessionExpiredError, SessionKeyUnknownError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';
import { readCookie, serializeCookie } from './cookie.js';
import {
  newSessionId,
  openWithAny,
  sealTokens,
  sessionKeyOf,
  type SessionTokens,
} from './crypto.js';
import type { SessionRecord, SessionStore, SessionUser, StoredSession } from '../session-store.js';

/** Epoch seconds, the unit of every time a session keeps. */
export const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/** A loaded session: its store key and record. */
export type LoadedSession = StoredSession;

/** What a new session starts with, straight from a successful callback. */
export interface NewSession {
  user: SessionUser;
  tokens: SessionTokens;
  accessTokenExpiresAt: number;
  /** The scopes the provider granted, when its token response said. */
  scopes?: string[] | undefined;
  sid?: string;
  userAgent?: string;
  acr?: string;
  authTime?: number;
  claims?: Record<string, unknown> | undefined;
  /** The provider signed in at, when not `default` (docs/tenants.md). */
  provider?: string | undefined;
}

/** What a refresh brings: new tokens, and the user and scopes when the provider sent them. */
export interface Refreshed {
  tokens: SessionTokens;
  accessTokenExpiresAt: number;
  user?: SessionUser | undefined;
  scopes?: string[] | undefined;
  /**
   * The claims `onSignIn` kept from the new ID token; `null` when it brought one and kept none
   * (the session's kept claims go); undefined when no new ID token came (they stay).
   */
  claims?: Record<string, unknown> | null | undefined;
}

/** Which sessions a back-channel logout ends. */
type Matching = { sid?: string | undefined; sub?: string | undefined; provider?: string };

/** Options of {@link Sessions}. */
export interface SessionsOptions {
  log?: Logger;
  /** Revokes a refresh token at the provider, in the background (RFC 7009); never throws. */
  revoke?: (refreshToken: string, provider: string | undefined) => void;
}

export const SESSION_ENDED = 'Your session has ended. Please sign in again.';

/** Sessions whose opened tokens are kept in memory. */
const OPENED_KEPT = 1000;
/** Sessions whose store key is kept in memory, by id. */
const KEYS_KEPT = 10_000;

/**
 * A record sealed under a secret this instance does not know: another instance, already further
 * into a SESSION_SECRET rotation, sealed it. Refused, never deleted or rewritten: it is live there.
 */
function unknownKey(record: SessionRecord): SessionKeyUnknownError {
  return new SessionKeyUnknownError(
    'This server cannot read your session yet: its configuration is being updated. Try again in a moment.',
    `session sealed under key id ${record.tokenKey}, which no SESSION_SECRET or SESSION_SECRET_NEXT of this instance derives: left in the store`,
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.length === b.length && Buffer.compare(a, b) === 0);
}

/**
 * Session lifecycle over a store: start with a fresh id, load (idle and absolute timeouts,
 * throttled activity writes, re-sealing under a rotated SESSION_SECRET), store a refresh, end.
 * Ending always wins: every write after a load is conditional on the session still existing,
 * and an ended session's refresh token is revoked.
 */
export class Sessions {
  readonly #touchInterval: number;
  readonly #log: Logger | undefined;
  readonly #revoke: (refreshToken: string, provider: string | undefined) => void;

  readonly #store: SessionStore;
  readonly #held = new Set<string>();
  /** Tokens opened lately, by session key, with the ciphertext they came from. */
  readonly #opened = new Map<string, { sealed: Uint8Array; tokens: SessionTokens }>();
  /**
   * Store keys of live sessions, by id: a map lookup costs less than SHA-256 on every request.
   * Only ids the store knew are kept, so made-up ids never fill it.
   */
  readonly #keys = new Map<string, string>();
  /** The token keys this instance knows, by id. */
  readonly #tokenKeys: ReadonlyMap<string, TokenKey>;

  constructor(
    store: SessionStore,
    private readonly config: Config,
    { log, revoke = () => {} }: SessionsOptions = {},
  ) {
    this.#store = store;
    // Write "last seen" at most this often: the idle timeout is kept to within this margin.
    this.#touchInterval = Math.min(60, Math.floor(config.idleTimeout / 10));
    this.#log = log;
    this.#revoke = revoke;
    this.#tokenKeys = new Map(config.keys.tokens.map((tokenKey) => [tokenKey.id, tokenKey]));
  }

  /** The session id the request's cookie carries (not yet checked), or undefined. */
  idOf(request: GatehouseRequest): string | undefined {
    return readCookie(request.headers.cookie, this.config.sessionCookie);
  }

  /** The `Set-Cookie` line of a new session's id: HttpOnly, SameSite=Lax, until the absolute timeout. */
  cookie(id: string): string {
    return serializeCookie(this.config.sessionCookie, id, {
      maxAge: this.config.absoluteTimeout,
      secure: this.config.secureCookies,
    });
  }

  /** The `Set-Cookie` line that deletes the session cookie. */
  get clearCookie(): string {
    return serializeCookie(this.config.sessionCookie, '', {
      maxAge: 0,
      secure: this.config.secureCookies,
    });
  }

  /** Stores a new session and returns the id for the cookie (never stored itself). */
  async start(session: NewSession): Promise<{ id: string; key: string; record: SessionRecord }> {
    const id = newSessionId();
    const key = sessionKeyOf(id)!;
    const now = epochSeconds();
    const current = this.config.keys.tokens[0]!;
    const record: SessionRecord = {
      user: session.user,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: this.#expiry(now, now),
      accessTokenExpiresAt: session.accessTokenExpiresAt,
      refreshable: Boolean(session.tokens.refresh_token),
      tokens: sealTokens(session.tokens, current.key, key),
      tokenKey: current.id,
      ...(session.scopes && { scopes: session.scopes }),
      ...(session.sid && { sid: session.sid }),
      ...(session.userAgent && { userAgent: session.userAgent.slice(0, 256) }),
      ...(session.acr !== undefined && { acr: session.acr }),
      ...(session.authTime !== undefined && { authTime: session.authTime }),
      ...(session.claims && { claims: session.claims }),
      ...(session.provider && { provider: session.provider }),
    };
    await this.#store.create(key, record);
    return { id, key, record };
  }

  /**
   * The live session for a cookie value, or undefined (unknown, malformed, expired or ended).
   * Rejects with a 503 `ERR_SESSION_KEY_UNKNOWN`, the record untouched, when it is sealed under
   * a secret this instance does not know (another instance is further into a rotation).
   */
  async load(sessionId: string): Promise<LoadedSession | undefined> {
    const kept = this.#keys.get(sessionId);
    const key = kept ?? sessionKeyOf(sessionId);
    if (!key) return undefined;
    let record = await this.#store.get(key);
    if (!record) return undefined;
    if (kept === undefined) setBounded(this.#keys, sessionId, key, KEYS_KEPT);
    const now = epochSeconds();
    if (record.expiresAt <= now) {
      // Ended (and its refresh token revoked) by an instance that can open it.
      if (this.#knows(record)) await this.end({ key, record });
      return undefined;
    }
    // A string comparison on the hot path; only a record sealed under another secret pays more.
    if (record.tokenKey !== this.config.keys.tokens[0]!.id) {
      if (!this.#knows(record)) throw unknownKey(record);
      // Under a next secret (phase 1 of a rotation): served as it is, never sealed back.
      if (!this.#tokenKeys.get(record.tokenKey!)?.next) {
        record = await this.#reseal({ key, record });
        if (!record) return undefined;
      }
    }
    if (now - record.lastSeenAt >= this.#touchInterval) {
      record.lastSeenAt = now;
      record.expiresAt = this.#expiry(record.createdAt, now);
      await this.#store.touch(key, now, record.expiresAt);
    }
    return { key, record };
  }

  /**
   * The session's tokens. A 503 when another instance sealed them under a secret this one does
   * not know (the record is left alone); a 401 when a known secret fails to open them (ended).
   */
  tokens(session: LoadedSession): SessionTokens {
    const opened = this.#open(session);
    if (!opened) {
      if (!this.#knows(session.record)) throw unknownKey(session.record);
      this.#store.delete(session.key).catch(() => {});
      throw new SessionExpiredError(SESSION_ENDED, 'tokens sealed under no configured secret');
    }
    return opened;
  }

  /**
   * Stores a refresh's result, only while the session lives. When it ended meanwhile (signed
   * out, ended from another device, back-channel logout), nothing is written, the refresh token
   * the provider just issued is revoked, and the caller gets a 401.
   */
  async update(session: LoadedSession, refreshed: Refreshed): Promise<void> {
    const current = this.config.keys.tokens[0]!;
    const record: SessionRecord = {
      ...session.record,
      tokens: sealTokens(refreshed.tokens, current.key, session.key),
      tokenKey: current.id,
      accessTokenExpiresAt: refreshed.accessTokenExpiresAt,
      refreshable: Boolean(refreshed.tokens.refresh_token),
      ...(refreshed.user && { user: refreshed.user }),
      ...(refreshed.scopes && { scopes: refreshed.scopes }),
    };
    // A new ID token replaces the kept claims, even with none: a claim gone at the provider goes.
    if (refreshed.claims === null) delete record.claims;
    else if (refreshed.claims) record.claims = refreshed.claims;
    if (!(await this.#store.update(session.key, record))) {
      const rotated = refreshed.tokens.refresh_token;
      if (rotated) this.#revoke(rotated, session.record.provider);
      throw new SessionExpiredError(SESSION_ENDED, 'session ended during refresh');
    }
    session.record = record;
  }

  /**
   * Stores new tokens (a remote API's, a rotated refresh token) only while the session lives
   * and its sealed tokens are still those `session` was read with; false otherwise, with nothing
   * written: a sign-out, or another writer, wins.
   */
  async updateTokens(session: LoadedSession, tokens: SessionTokens): Promise<boolean> {
    const current = this.config.keys.tokens[0]!;
    const record: SessionRecord = {
      ...session.record,
      tokens: sealTokens(tokens, current.key, session.key),
      tokenKey: current.id,
      refreshable: Boolean(tokens.refresh_token),
    };
    if (!(await this.#store.update(session.key, record, session.record.tokens))) return false;
    session.record = record;
    return true;
  }

  /**
   * Ends a session: deletes it, then revokes its refresh token in the background. Resolves to
   * its tokens when a configured secret opens them (sign-out needs the ID token), else
   * undefined: a session is ended whatever happens to decryption.
   */
  async end(session: LoadedSession): Promise<SessionTokens | undefined> {
    const tokens = this.#open(session);
    this.#opened.delete(session.key);
    await this.#store.delete(session.key);
    if (tokens?.refresh_token) this.#revoke(tokens.refresh_token, session.record.provider);
    // An explicit end (sign-out, a device, back-channel logout) wins even mid-rotation.
    if (!tokens && !this.#knows(session.record)) {
      this.#log?.warn(
        { sub: session.record.user.sub, tokenKey: session.record.tokenKey },
        'session ended unopened: sealed under a SESSION_SECRET this instance does not know, its refresh token is not revoked',
      );
    }
    return tokens;
  }

  /**
   * The session of a cookie value, to end it: expired or not, whatever secret sealed it (ending
   * needs no decryption), so a sign-out wins even on an instance that cannot open the session.
   */
  async loadToEnd(sessionId: string): Promise<LoadedSession | undefined> {
    const key = sessionKeyOf(sessionId);
    const record = key && (await this.#store.get(key));
    return key && record ? { key, record } : undefined;
  }

  /** Ends the session of a cookie value, if there is one (a sign-in replaces it). */
  async endById(sessionId: string): Promise<void> {
    const session = await this.loadToEnd(sessionId);
    if (session) await this.end(session);
  }

  /**
   * Ends the sessions of a provider session (`sid`) or, without one, of a user (`sub`), at one
   * provider: the same `sub` or `sid` at another provider is another user's.
   */
  async endMatching({ sid, sub, provider = 'default' }: Matching): Promise<number> {
    const matching = sid ? await this.#store.listBySid(sid) : await this.#store.listBySubject(sub!);
    const ended = matching.filter(
      ({ record }) =>
        (!sub || record.user.sub === sub) && (record.provider ?? 'default') === provider,
    );
    await Promise.all(ended.map((session) => this.end(session)));
    return ended.length;
  }

  /** The live sessions of one user ("your devices"), at one provider. */
  async listBySubject(sub: string, provider = 'default'): Promise<StoredSession[]> {
    const sessions = await this.#store.listBySubject(sub);
    return sessions.filter(({ record }) => (record.provider ?? 'default') === provider);
  }

  /** The session's record as stored now, without a touch (a refresh compares it). */
  reload(key: string): Promise<SessionRecord | undefined> {
    return this.#store.get(key);
  }

  /**
   * The store's lock across instances, held at most `ttlMs`: its release, or `false` while another
   * instance holds it, or `undefined` when the store serves one process and needs none.
   */
  async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | false> {
    if (this.#store.lock) return (await this.#store.lock(name, ttlMs)) ?? false;
    // A store of one process: the lock is this process's (a session's refresh and an API
    // token's fetch must not both redeem one rotating refresh token).
    if (this.#held.has(name)) return false;
    this.#held.add(name);
    return async () => void this.#held.delete(name);
  }

  /** Records a one-time id (a logout token's `jti`) until `expiresAt`; false when seen before. */
  claimOnce(id: string, expiresAt: number): Promise<boolean> {
    return this.#store.claimOnce(id, expiresAt);
  }

  /**
   * The session's tokens. A request that needs them (a remote API call, `accessToken()`) costs
   * a decryption only when the sealed bytes changed since the last one: the same ciphertext under
   * the same key opens to the same tokens. Kept for the {@link OPENED_KEPT} sessions used last.
   */
  #open({ key, record }: LoadedSession): SessionTokens | undefined {
    const kept = this.#opened.get(key);
    if (kept && sameBytes(kept.sealed, record.tokens)) return kept.tokens;
    const tokens = openWithAny(
      record.tokens,
      this.config.keys.tokens,
      key,
      record.tokenKey,
    )?.tokens;
    if (!tokens) return undefined;
    if (tokens.apis) Object.freeze(tokens.apis);
    Object.freeze(tokens);
    this.#opened.delete(key);
    setBounded(this.#opened, key, { sealed: record.tokens, tokens }, OPENED_KEPT);
    return tokens;
  }

  /** Whether this instance knows the key that sealed the record (one naming none predates key ids). */
  #knows(record: SessionRecord): boolean {
    return record.tokenKey === undefined || this.#tokenKeys.has(record.tokenKey);
  }

  /**
   * A record sealed under a previous secret (or before records named their key) is sealed again
   * under the current one, unless its tokens changed meanwhile; one that its known secret does
   * not open (altered) can never be used or refreshed again: it is ended.
   */
  async #reseal({ key, record }: LoadedSession): Promise<SessionRecord | undefined> {
    const tokens = this.#open({ key, record });
    if (!tokens) {
      this.#log?.warn(
        { sub: record.user.sub },
        'session tokens that no configured SESSION_SECRET opens: ended, the user signs in again',
      );
      await this.#store.delete(key);
      return undefined;
    }
    const current = this.config.keys.tokens[0]!;
    const resealed: SessionRecord = {
      ...record,
      tokens: sealTokens(tokens, current.key, key),
      tokenKey: current.id,
    };
    if (await this.#store.update(key, resealed, record.tokens)) return resealed;
    // A refresh stored newer tokens meanwhile, or the session ended: read what is there now.
    const now = await this.#store.get(key);
    if (now && !this.#knows(now)) throw unknownKey(now);
    return now;
  }

  #expiry(createdAt: number, lastSeenAt: number): number {
    return Math.min(lastSeenAt + this.config.idleTimeout, createdAt + this.config.absoluteTimeout);
  }
}
