import {
  EXPIRED_RETENTION,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from '../../session-store.js';

/**
 * Sessions in this process's memory: for tests and single-process development. Lost on
 * restart and not shared between instances.
 *
 * @example
 * ```ts
 * createGatehouse({ ...options, sessionStore: new MemoryStore() })
 * ```
 */
export class MemoryStore implements SessionStore {
  readonly #records = new Map<string, SessionRecord>();
  readonly #claimed = new Map<string, number>();
  readonly #sweeper: NodeJS.Timeout;

  constructor({ sweepInterval = 60_000 } = {}) {
    this.#sweeper = setInterval(() => this.#sweep(), sweepInterval).unref();
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const record = this.#records.get(key);
    if (record && record.expiresAt + EXPIRED_RETENTION <= Date.now() / 1000) {
      this.#records.delete(key);
      return undefined;
    }
    return record;
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    this.#records.set(key, record);
  }

  async update(key: string, record: SessionRecord, ifTokens?: Uint8Array): Promise<boolean> {
    const current = this.#live(key);
    if (!current || (ifTokens && !Buffer.from(current.tokens).equals(ifTokens))) return false;
    const { lastSeenAt, expiresAt } = current;
    this.#records.set(key, { ...record, lastSeenAt, expiresAt });
    return true;
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    const record = this.#live(key);
    if (record) this.#records.set(key, { ...record, lastSeenAt, expiresAt });
  }

  async delete(key: string): Promise<void> {
    this.#records.delete(key);
  }

  async listBySubject(sub: string): Promise<StoredSession[]> {
    return this.#list((record) => record.user.sub === sub);
  }

  async listBySid(sid: string): Promise<StoredSession[]> {
    return this.#list((record) => record.sid === sid);
  }

  async claimOnce(id: string, expiresAt: number): Promise<boolean> {
    if ((this.#claimed.get(id) ?? 0) > Date.now() / 1000) return false;
    this.#claimed.set(id, expiresAt);
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#records.clear();
  }

  /** How many live sessions are held. */
  async count(): Promise<number> {
    return this.#list(() => true).length;
  }

  async sample(limit: number): Promise<StoredSession[]> {
    return this.#list(() => true).slice(0, limit);
  }

  async ping(): Promise<void> {}

  /** How many sessions are held (expired ones included until the next sweep). */
  get size(): number {
    return this.#records.size;
  }

  #live(key: string): SessionRecord | undefined {
    const record = this.#records.get(key);
    return record && record.expiresAt > Date.now() / 1000 ? record : undefined;
  }

  #list(match: (record: SessionRecord) => boolean): StoredSession[] {
    const now = Date.now() / 1000;
    const found: StoredSession[] = [];
    for (const [key, record] of this.#records) {
      if (record.expiresAt > now && match(record)) found.push({ key, record });
    }
    return found;
  }

  #sweep(): void {
    const now = Date.now() / 1000;
    for (const [key, record] of this.#records) {
      if (record.expiresAt + EXPIRED_RETENTION <= now) this.#records.delete(key);
    }
    for (const [id, expiresAt] of this.#claimed) if (expiresAt <= now) this.#claimed.delete(id);
  }
}
