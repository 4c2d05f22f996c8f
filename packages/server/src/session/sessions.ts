import type { Config } from '../config/parse.js';
import {
  newSessionId,
  openTokens,
  sealTokens,
  sessionKeyOf,
  type SessionTokens,
} from './crypto.js';
import type { SessionRecord, SessionStore, SessionUser, StoredSession } from './store.js';

/** Epoch seconds, the unit of every time a session keeps. */
export const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/** A loaded session: its store key and record. */
export type LoadedSession = StoredSession;

/** What a new session starts with, straight from a successful callback. */
export interface NewSession {
  user: SessionUser;
  tokens: SessionTokens;
  accessTokenExpiresAt: number;
  sid?: string;
  userAgent?: string;
}

/**
 * Session lifecycle over a store: creation with a fresh id, idle and absolute timeouts,
 * throttled activity writes, token sealing.
 */
export class Sessions {
  readonly #touchInterval: number;

  constructor(
    readonly store: SessionStore,
    private readonly config: Config,
  ) {
    // Write "last seen" at most this often: the idle timeout is kept to within this margin.
    this.#touchInterval = Math.min(60, Math.floor(config.idleTimeout / 10));
  }

  /** Stores a new session and returns the id for the cookie (never stored itself). */
  async create(session: NewSession): Promise<{ id: string; key: string; record: SessionRecord }> {
    const id = newSessionId();
    const key = sessionKeyOf(id)!;
    const now = epochSeconds();
    const record: SessionRecord = {
      user: session.user,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: this.#expiry(now, now),
      accessTokenExpiresAt: session.accessTokenExpiresAt,
      refreshable: Boolean(session.tokens.refresh_token),
      tokens: sealTokens(session.tokens, this.config.keys.tokens, key),
      ...(session.sid && { sid: session.sid }),
      ...(session.userAgent && { userAgent: session.userAgent.slice(0, 256) }),
    };
    await this.store.set(key, record);
    return { id, key, record };
  }

  /** The live session for a cookie value, or undefined (unknown, malformed or expired). */
  async load(sessionId: string): Promise<LoadedSession | undefined> {
    const key = sessionKeyOf(sessionId);
    if (!key) return undefined;
    const record = await this.store.get(key);
    if (!record) return undefined;
    const now = epochSeconds();
    if (record.expiresAt <= now) {
      await this.store.delete(key);
      return undefined;
    }
    if (now - record.lastSeenAt >= this.#touchInterval) {
      record.lastSeenAt = now;
      record.expiresAt = this.#expiry(record.createdAt, now);
      await this.store.touch(key, now, record.expiresAt);
    }
    return { key, record };
  }

  tokens(session: LoadedSession): SessionTokens {
    return openTokens(session.record.tokens, this.config.keys.tokens, session.key);
  }

  /** Replaces the tokens after a refresh. */
  async updateTokens(
    session: LoadedSession,
    tokens: SessionTokens,
    accessTokenExpiresAt: number,
  ): Promise<void> {
    session.record = {
      ...session.record,
      tokens: sealTokens(tokens, this.config.keys.tokens, session.key),
      accessTokenExpiresAt,
      refreshable: Boolean(tokens.refresh_token),
    };
    await this.store.set(session.key, session.record);
  }

  async destroy(key: string): Promise<void> {
    await this.store.delete(key);
  }

  /** Ends the sessions of a provider session (`sid`) or, without one, of a user (`sub`). */
  async destroyMatching({
    sid,
    sub,
  }: {
    sid?: string | undefined;
    sub?: string | undefined;
  }): Promise<number> {
    const matching = sid ? await this.store.listBySid(sid) : await this.store.listBySubject(sub!);
    const ended = matching.filter(({ record }) => !sub || record.user.sub === sub);
    await Promise.all(ended.map(({ key }) => this.store.delete(key)));
    return ended.length;
  }

  #expiry(createdAt: number, lastSeenAt: number): number {
    return Math.min(lastSeenAt + this.config.idleTimeout, createdAt + this.config.absoluteTimeout);
  }
}
