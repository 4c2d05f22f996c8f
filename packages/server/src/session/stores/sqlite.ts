import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../../errors.js';
import type { SessionRecord, SessionStore } from '../store.js';

type Row = { data: string; tokens: Buffer };

/**
 * Sessions in a SQLite file (WAL mode): survives restarts, no server to run. The default of
 * `npm run serve`. One process per file; use Redis for several instances.
 *
 * @example
 * ```ts
 * createGatehouse({ ...options, sessionStore: new SqliteStore('.gatehouse/sessions.db') })
 * ```
 */
export class SqliteStore implements SessionStore {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string, number], Row>;
  readonly #set: Database.Statement<[string, string, Buffer, number]>;
  readonly #touch: Database.Statement<[{ key: string; lastSeenAt: number; expiresAt: number }]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #sweep: Database.Statement<[number]>;
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    readonly path: string,
    { sweepInterval = 60_000 } = {},
  ) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.exec(`CREATE TABLE IF NOT EXISTS gatehouse_sessions (
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        tokens BLOB NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID`);
    } catch (error) {
      throw new StoreUnavailableError(
        'The session store could not be opened.',
        `sqlite ${path}: ${String(error)}`,
      );
    }
    this.#get = this.#db.prepare(
      'SELECT data, tokens FROM gatehouse_sessions WHERE key = ? AND expires_at > ?',
    );
    this.#set = this.#db.prepare(
      'INSERT OR REPLACE INTO gatehouse_sessions (key, data, tokens, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.#touch = this.#db.prepare(
      `UPDATE gatehouse_sessions SET expires_at = @expiresAt,
         data = json_set(data, '$.lastSeenAt', @lastSeenAt, '$.expiresAt', @expiresAt) WHERE key = @key`,
    );
    this.#delete = this.#db.prepare('DELETE FROM gatehouse_sessions WHERE key = ?');
    this.#sweep = this.#db.prepare('DELETE FROM gatehouse_sessions WHERE expires_at <= ?');
    this.#sweeper = setInterval(
      () => this.#run(() => this.#sweep.run(now())),
      sweepInterval,
    ).unref();
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const row = this.#run(() => this.#get.get(key, now()));
    if (!row) return undefined;
    const { tokens: _, ...data } = JSON.parse(row.data) as SessionRecord;
    return { ...data, tokens: row.tokens };
  }

  async set(key: string, record: SessionRecord): Promise<void> {
    const { tokens, ...data } = record;
    this.#run(() =>
      this.#set.run(key, JSON.stringify(data), Buffer.from(tokens), Math.ceil(record.expiresAt)),
    );
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    this.#run(() => this.#touch.run({ key, lastSeenAt, expiresAt: Math.ceil(expiresAt) }));
  }

  async delete(key: string): Promise<void> {
    this.#run(() => this.#delete.run(key));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    if (this.#db.open) this.#db.close();
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
