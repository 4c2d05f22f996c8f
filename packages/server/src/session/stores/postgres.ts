import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { StoreUnavailableError } from '../../errors.js';
import type { GatehouseLogger as Logger } from '../../logger.js';
import {
  EXPIRED_RETENTION,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from '../../session-store.js';
import {
  createTablesSql,
  tablesExistSql,
  tablesOf,
  type PostgresTables,
} from './postgres-schema.js';
import { PostgresSessionCache, type PostgresCacheOptions } from './postgres-cache.js';
import { statements } from './postgres-statements.js';

export { postgresSchema } from './postgres-schema.js';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** Prefix of the three tables' names (`<prefix>sessions`, `<prefix>claims`, `<prefix>locks`). */
  tablePrefix?: string;
  /**
   * Create the tables on first use when they are missing (default). Off for teams that run
   * {@link postgresSchema}'s SQL themselves: then a missing table makes every call a 503.
   */
  createTables?: boolean;
  /** Milliseconds a query may take, connecting included, before the request gets a 503. */
  commandTimeout?: number;
  /** Milliseconds between sweeps of expired records. */
  sweepInterval?: number;
  logger?: Logger;
  /** Passed to `pg.Pool` as they are (`ssl`, `max`, ...); they win over the defaults. */
  pg?: pg.PoolConfig;
  /**
   * The in-process cache of sessions read lately (on by default: `size` 10,000, `maxAgeMs`
   * 5,000, `heartbeatMs` 1,000), kept live by a `LISTEN` connection ({@link PostgresSessionCache});
   * `false` turns it off.
   */
  cache?: PostgresCacheOptions;
}

/** What {@link PostgresStore.inspect} finds. */
export interface PostgresServerInfo {
  version: string;
  role: string;
  missing: string[];
}

type Row = {
  key: string;
  data: string;
  tokens: Buffer;
  last_seen_at: number;
  expires_at: number;
};

/**
 * Sessions in Postgres, shared by every instance behind a load balancer. A session read lately
 * is served from memory while the change feed is live ({@link PostgresSessionCache}): every
 * write announces its session with `pg_notify` in the same statement, so a session ended on one
 * instance is refused by all on their next request; otherwise a request reads its session with
 * one `SELECT` (a touch, at most once a minute per session, is one `UPDATE`). Writes are single
 * conditional statements: a refresh or a touch applies only to a live row and never brings
 * back a deleted one. Expired rows are swept every `sweepInterval`,
 * {@link EXPIRED_RETENTION} seconds after they expire. While Postgres is unreachable or slow,
 * calls fail within `commandTimeout` with a 503, and the pool connects again on its own.
 *
 * @example
 * ```ts
 * createGatehouse({ ...options, sessionStore: new PostgresStore('postgres://app:pw@db/app') })
 * ```
 */
export class PostgresStore implements SessionStore {
  readonly #pool: pg.Pool;
  readonly #tables: PostgresTables;
  readonly #prefix: string;
  readonly #createTables: boolean;
  readonly #logger: Logger | undefined;
  readonly #sweeper: NodeJS.Timeout;
  readonly #sql;
  readonly #cache: PostgresSessionCache;
  #ready = false;
  #opening: Promise<void> | undefined;
  #healthy = true;

  constructor(
    url: string,
    {
      tablePrefix = 'gatehouse_',
      createTables = true,
      commandTimeout = 2000,
      sweepInterval = 60_000,
      logger,
      pg: poolConfig,
      cache = {},
    }: PostgresStoreOptions = {},
  ) {
    this.#tables = tablesOf(tablePrefix);
    this.#prefix = tablePrefix;
    this.#createTables = createTables;
    this.#logger = logger;
    // What the pool's connections and the change feed's listening one share.
    const connection = {
      connectionString: url,
      connectionTimeoutMillis: commandTimeout,
      keepAlive: true,
      application_name: 'gatehouse',
    };
    this.#pool = new pg.Pool({
      ...connection,
      max: 10,
      // Both: the server cancels a slow statement, the client gives up on a silent server.
      statement_timeout: commandTimeout,
      query_timeout: commandTimeout,
      idleTimeoutMillis: 30_000,
      ...poolConfig,
    });
    // An idle connection that breaks (Postgres restarted) is dropped by the pool; without a
    // listener its error would crash the process.
    this.#pool.on('error', (error) => this.#failed(error));
    this.#sql = statements(this.#tables);
    this.#cache = new PostgresSessionCache(
      { ...connection, ...poolConfig } as pg.ClientConfig,
      (channel, payload) => this.#query(this.#sql.notify, [channel, payload]),
      tablePrefix,
      cache,
      logger,
    );
    this.#sweeper = setInterval(() => void this.#sweep(), sweepInterval).unref();
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    return this.#cache.read(key, async () => {
      const { rows } = await this.#query<Row>(this.#sql.get, [key, now() - EXPIRED_RETENTION]);
      return rows[0] && toRecord(rows[0]);
    });
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    await this.#write(key, this.#sql.create, [
      key,
      record.user.sub,
      record.sid ?? null,
      dataOf(record),
      Buffer.from(record.tokens),
      record.lastSeenAt,
      record.expiresAt,
    ]);
  }

  async update(key: string, record: SessionRecord, ifTokens?: Uint8Array): Promise<boolean> {
    const { rowCount } = await this.#write(key, this.#sql.update, [
      key,
      record.user.sub,
      record.sid ?? null,
      dataOf(record),
      Buffer.from(record.tokens),
      now(),
      ifTokens ? Buffer.from(ifTokens) : null,
    ]);
    return rowCount === 1;
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    await this.#write(key, this.#sql.touch, [key, lastSeenAt, expiresAt, now()]);
  }

  async delete(key: string): Promise<void> {
    await this.#write(key, this.#sql.delete, [key]);
  }

  async listBySubject(sub: string): Promise<StoredSession[]> {
    const { rows } = await this.#query<Row>(this.#sql.bySub, [sub, now()]);
    return rows.map(toStored);
  }

  async listBySid(sid: string): Promise<StoredSession[]> {
    const { rows } = await this.#query<Row>(this.#sql.bySid, [sid, now()]);
    return rows.map(toStored);
  }

  /** One statement: concurrent claims of one id wait on its row, and exactly one inserts it. */
  async claimOnce(id: string, expiresAt: number): Promise<boolean> {
    const { rowCount } = await this.#query(this.#sql.claim, [id, expiresAt, now()]);
    return rowCount === 1;
  }

  /**
   * A lock row with an expiry, on Postgres's clock: taken by the one statement that inserts it
   * (or replaces an expired one). Not an advisory lock: those belong to one pooled connection,
   * are re-entrant on it, and have no expiry.
   */
  async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const token = randomBytes(16).toString('base64url');
    const { rowCount } = await this.#query(this.#sql.lock, [name, token, ttlMs]);
    if (rowCount !== 1) return undefined;
    this.#cache.locked(name);
    return async () => {
      await this.#query(this.#sql.unlock, [name, token]);
    };
  }

  /** How many live sessions there are (an index scan of `expires_at`). */
  async count(): Promise<number> {
    const { rows } = await this.#query<{ n: number }>(this.#sql.count, [now()]);
    return rows[0]!.n;
  }

  async sample(limit: number): Promise<StoredSession[]> {
    const { rows } = await this.#query<Row>(this.#sql.sample, [now(), limit]);
    return rows.map(toStored);
  }

  /** Resolves when Postgres answers and the tables are there; a 503 error otherwise. */
  async ping(): Promise<void> {
    await this.#query({ text: 'SELECT 1' }, []);
  }

  /**
   * For `gatehouse doctor`: the server's version, the role the store connects as, and the
   * privileges it lacks on the store's tables (`"gatehouse_sessions INSERT"`, ...). Writes nothing.
   */
  async inspect(): Promise<PostgresServerInfo> {
    const { rows } = await this.#query<PostgresServerInfo>(this.#sql.inspect, [
      Object.values(this.#tables),
    ]);
    return rows[0]!;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#cache.close();
    if (!this.#pool.ended) await this.#pool.end();
  }

  /** A write of one session, announced on the change feed by its own statement. */
  #write(key: string, statement: { name?: string; text: string }, values: unknown[]) {
    return this.#cache.write(key, () => this.#query(statement, [...values, this.#cache.channel]));
  }

  async #sweep(): Promise<void> {
    await this.#query(this.#sql.sweep, [now() - EXPIRED_RETENTION, now()]).catch(() => {});
  }

  async #query<T extends pg.QueryResultRow = pg.QueryResultRow>(
    statement: { name?: string; text: string },
    values: unknown[],
  ): Promise<pg.QueryResult<T>> {
    try {
      if (!this.#ready) await this.#open();
      const result = await this.#pool.query<T>({ ...statement, values });
      if (!this.#healthy) {
        this.#healthy = true;
        this.#logger?.info('session store: Postgres connected again');
      }
      return result;
    } catch (error) {
      // A table dropped under a running store (a database restored or recreated): make it again.
      if ((error as { code?: string }).code === UNDEFINED_TABLE) {
        this.#ready = false;
        this.#opening = undefined;
      }
      this.#failed(error);
      throw new StoreUnavailableError(
        'The session store is not available right now. Try again in a moment.',
        `postgres: ${(error as Error).message}`,
      );
    }
  }

  /** The tables, checked (and created when missing and allowed) once; again after a failure. */
  #open(): Promise<void> {
    this.#opening ??= (async () => {
      const { rows } = await this.#pool.query<{ exist: boolean }>(tablesExistSql(this.#tables));
      if (rows[0]?.exist) return;
      if (!this.#createTables)
        throw new Error(
          `the tables ${Object.values(this.#tables).join(', ')} do not exist and createTables is off: run the SQL of postgresSchema()`,
        );
      await this.#pool.query(createTablesSql(this.#prefix)).catch((error: Error) => {
        throw new Error(
          `cannot create the tables ${Object.values(this.#tables).join(', ')} (${error.message}): run the SQL of postgresSchema() as a role that may, or grant CREATE on the schema`,
        );
      });
    })().then(
      () => {
        this.#ready = true;
      },
      (error: unknown) => {
        this.#opening = undefined;
        throw error;
      },
    );
    return this.#opening;
  }

  #failed(error: unknown): void {
    if (this.#healthy)
      this.#logger?.error(
        { detail: (error as Error).message },
        'session store: Postgres unreachable, reconnecting',
      );
    this.#healthy = false;
  }
}

const now = () => Math.floor(Date.now() / 1000);

/** SQLSTATE 42P01, undefined_table. */
const UNDEFINED_TABLE = '42P01';

/** The record's JSON for `data`; its activity fields are overridden by their own columns. */
function dataOf({ tokens: _, ...data }: SessionRecord): string {
  return JSON.stringify(data);
}

function toRecord(row: Row): SessionRecord {
  const record = JSON.parse(row.data) as SessionRecord;
  record.lastSeenAt = row.last_seen_at;
  record.expiresAt = row.expires_at;
  record.tokens = row.tokens;
  return record;
}

function toStored(row: Row): StoredSession {
  return { key: row.key, record: toRecord(row) };
}
