import { setBounded } from '../../bounded-map.js';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../../errors.js';
import { CommitWatch } from './sqlite-commits.js';
import {
  EXPIRED_RETENTION,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from '../../session-store.js';

type Row = { key: string; data: string; tokens: Buffer };

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Milliseconds between sweeps of expired records. */
  sweepInterval?: number;
  /** Sessions kept in memory after a read or write (0: none); see the class comment. */
  cacheSize?: number;
}

/**
 * Sessions in a SQLite file (WAL mode): survives restarts, no server to run. The default of
 * `npm run serve`. One serving process per file; use Redis for several instances.
 *
 * The sessions this connection last read or wrote are also kept in memory, so a request with a
 * known session reads no row. The cache is only used while no other connection has written the
 * file: every read first looks for a commit made elsewhere ({@link CommitWatch}: one read of the
 * WAL index, no lock, no page read), and then the whole cache is dropped. A session ended
 * elsewhere (the CLI, a second process, a back-channel logout served by another instance) is
 * therefore gone on the very next request, as without a cache.
 *
 * @example
 * ```ts
 * createGatehouse({ ...options, sessionStore: new SqliteStore('.gatehouse/sessions.db') })
 * ```
 */
export class SqliteStore implements SessionStore {
  readonly #db: Database.Database;
  readonly #sweeper: NodeJS.Timeout;
  readonly #sql;
  readonly #cache = new Map<string, SessionRecord>();
  readonly #cacheSize: number;
  readonly #commits: CommitWatch;

  constructor(
    readonly path: string,
    { sweepInterval = 60_000, cacheSize = 10_000 }: SqliteStoreOptions = {},
  ) {
    this.#cacheSize = cacheSize;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      // A lock held elsewhere (a backup, a second process) must not freeze the event loop:
      // better-sqlite3 waits synchronously, so wait briefly, then answer 503.
      this.#db = new Database(path, { timeout: 250 });
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      // Pages read through a memory map, not one pread() each: halves a session lookup.
      this.#db.pragma('mmap_size = 268435456');
      this.#db.exec(`
        DROP TABLE IF EXISTS gatehouse_sessions; -- 0.1.0's layout: its sessions sign in again
        CREATE TABLE IF NOT EXISTS gatehouse_sessions_v2 (
          key TEXT PRIMARY KEY,
          sub TEXT NOT NULL,
          sid TEXT,
          data TEXT NOT NULL,
          tokens BLOB NOT NULL,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS gatehouse_sessions_v2_sub ON gatehouse_sessions_v2 (sub);
        CREATE INDEX IF NOT EXISTS gatehouse_sessions_v2_sid ON gatehouse_sessions_v2 (sid);
        CREATE TABLE IF NOT EXISTS gatehouse_claims (
          id TEXT PRIMARY KEY,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;`);
    } catch (error) {
      throw new StoreUnavailableError(
        'The session store could not be opened.',
        `sqlite ${path}: ${String(error)}`,
      );
    }
    const db = this.#db;
    const live = 'SELECT key, data, tokens FROM gatehouse_sessions_v2 WHERE expires_at > @now';
    this.#sql = {
      // The hot path: positional parameters, and not the column the caller already has.
      get: db.prepare<[string, number], Omit<Row, 'key'>>(
        'SELECT data, tokens FROM gatehouse_sessions_v2 WHERE key = ? AND expires_at > ?',
      ),
      bySub: db.prepare<{ sub: string; now: number }, Row>(`${live} AND sub = @sub`),
      bySid: db.prepare<{ sid: string; now: number }, Row>(`${live} AND sid = @sid`),
      create: db.prepare(
        `INSERT OR REPLACE INTO gatehouse_sessions_v2 (key, sub, sid, data, tokens, expires_at)
         VALUES (@key, @sub, @sid, @data, @tokens, @expiresAt)`,
      ),
      // One statement each, so atomic: a refresh writes only its fields, and only while the
      // session is live; a touch writes only the activity fields.
      update: db.prepare(
        `UPDATE gatehouse_sessions_v2 SET tokens = @tokens,
           data = json_set(@data, '$.lastSeenAt', data -> '$.lastSeenAt',
             '$.expiresAt', data -> '$.expiresAt')
         WHERE key = @key AND expires_at > @now AND (@ifTokens IS NULL OR tokens = @ifTokens)`,
      ),
      touch: db.prepare(
        `UPDATE gatehouse_sessions_v2 SET expires_at = @expiresAt,
           data = json_set(data, '$.lastSeenAt', @lastSeenAt, '$.expiresAt', @expiresAt)
         WHERE key = @key AND expires_at > @now`,
      ),
      delete: db.prepare<[string]>('DELETE FROM gatehouse_sessions_v2 WHERE key = ?'),
      claim: db.prepare(
        `INSERT INTO gatehouse_claims (id, expires_at) VALUES (@id, @expiresAt)
         ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at
         WHERE gatehouse_claims.expires_at <= @now`,
      ),
      sample: db.prepare<[number, number], Row>(
        'SELECT key, data, tokens FROM gatehouse_sessions_v2 WHERE expires_at > ? LIMIT ?',
      ),
      count: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM gatehouse_sessions_v2 WHERE expires_at > ?',
      ),
      sweep: db.transaction((time: number) => {
        const sessions = db
          .prepare('DELETE FROM gatehouse_sessions_v2 WHERE expires_at <= ?')
          .run(time - EXPIRED_RETENTION);
        const claims = db.prepare('DELETE FROM gatehouse_claims WHERE expires_at <= ?').run(time);
        return { changes: sessions.changes + claims.changes };
      }),
    };
    this.#commits = this.#run(() => new CommitWatch(db));
    this.#sweeper = setInterval(() => {
      this.#cache.clear();
      this.#write(() => this.#sql.sweep(now()));
    }, sweepInterval).unref();
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const oldest = now() - EXPIRED_RETENTION;
    const cached = this.#cached(key);
    if (cached) return Math.ceil(cached.expiresAt) > oldest ? cached : undefined;
    const row = this.#run(() => this.#sql.get.get(key, oldest));
    if (!row) return undefined;
    const record = toRecord(row);
    this.#remember(key, record);
    return record;
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    const { tokens, ...data } = record;
    this.#write(() =>
      this.#sql.create.run({
        key,
        sub: record.user.sub,
        sid: record.sid ?? null,
        data: JSON.stringify(data),
        tokens: Buffer.from(tokens),
        expiresAt: Math.ceil(record.expiresAt),
      }),
    );
    this.#remember(key, record);
  }

  async update(key: string, record: SessionRecord, ifTokens?: Uint8Array): Promise<boolean> {
    const { tokens, ...data } = record;
    const result = this.#write(() =>
      this.#sql.update.run({
        key,
        now: now(),
        data: JSON.stringify(data),
        tokens: Buffer.from(tokens),
        ifTokens: ifTokens ? Buffer.from(ifTokens) : null,
      }),
    );
    // The row keeps its own activity fields (json_set above): read it again when next asked.
    this.#cache.delete(key);
    return result.changes === 1;
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    const result = this.#write(() =>
      this.#sql.touch.run({ key, lastSeenAt, expiresAt: Math.ceil(expiresAt), now: now() }),
    );
    const cached = this.#cache.get(key);
    if (cached && result.changes === 1) {
      cached.lastSeenAt = lastSeenAt;
      cached.expiresAt = expiresAt;
    } else this.#cache.delete(key);
  }

  async delete(key: string): Promise<void> {
    this.#cache.delete(key);
    this.#write(() => this.#sql.delete.run(key));
  }

  async listBySubject(sub: string): Promise<StoredSession[]> {
    return this.#run(() => this.#sql.bySub.all({ sub, now: now() })).map(toStored);
  }

  async listBySid(sid: string): Promise<StoredSession[]> {
    return this.#run(() => this.#sql.bySid.all({ sid, now: now() })).map(toStored);
  }

  async claimOnce(id: string, expiresAt: number): Promise<boolean> {
    const result = this.#write(() =>
      this.#sql.claim.run({ id, expiresAt: Math.ceil(expiresAt), now: now() }),
    );
    return result.changes === 1;
  }

  async sample(limit: number): Promise<StoredSession[]> {
    return this.#run(() => this.#sql.sample.all(now(), limit)).map(toStored);
  }

  /** How many live sessions the file holds. */
  async count(): Promise<number> {
    return this.#run(() => this.#sql.count.get(now())!.n);
  }

  /** Throws a 503 error when the file cannot be read. */
  async ping(): Promise<void> {
    this.#run(() => this.#sql.count.get(now()));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#cache.clear();
    if (!this.#db.open) return;
    this.#commits.close();
    this.#db.close();
  }

  /** The cached record, if no other connection has committed since it was kept. */
  #cached(key: string): SessionRecord | undefined {
    if (this.#cacheSize === 0) return undefined;
    if (this.#run(() => this.#commits.committedElsewhere())) {
      this.#cache.clear();
      return undefined;
    }
    return this.#cache.get(key);
  }

  /** This connection's write; the cache is dropped if another connection committed meanwhile. */
  #write<T extends { changes: number }>(write: () => T): T {
    if (this.#cacheSize === 0) return this.#run(write);
    const { result, elsewhere } = this.#run(() => this.#commits.ownWrite(write));
    if (elsewhere) this.#cache.clear();
    return result;
  }

  #remember(key: string, record: SessionRecord): void {
    if (this.#cacheSize === 0) return;
    setBounded(this.#cache, key, record, this.#cacheSize);
  }

  #run<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw new StoreUnavailableError(
        'The session store is not available right now. Try again in a moment.',
        `sqlite ${this.path}: ${String(error)}`,
      );
    }
  }
}

const now = () => Math.floor(Date.now() / 1000);

function toRecord(row: Omit<Row, 'key'>): SessionRecord {
  const { tokens: _, ...data } = JSON.parse(row.data) as SessionRecord;
  return { ...data, tokens: row.tokens };
}

function toStored(row: Row): StoredSession {
  return { key: row.key, record: toRecord(row) };
}
