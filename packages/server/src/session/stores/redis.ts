import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { GatehouseLogger as Logger } from '../../logger.js';
import { StoreUnavailableError } from '../../errors.js';
import {
  EXPIRED_RETENTION,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from '../store.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key, so one Redis can serve several apps. */
  prefix?: string;
  /** Milliseconds a command may wait, connected or not, before the request gets a 503. */
  commandTimeout?: number;
  logger?: Logger;
  /** Passed to ioredis as they are. */
  redis?: RedisOptions;
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
// A session is a hash: `d` the record's JSON, `t` the sealed tokens, and the activity fields
// `a` (lastSeenAt) and `e` (expiresAt), which win over `d`'s. Refresh and touch each write their own fields, in one script,
// and only while the hash exists: neither can bring back a deleted session or undo the other.
const UPDATE = `if redis.call('exists', KEYS[1]) == 0 then return 0 end
if ARGV[3] ~= '' and redis.call('hget', KEYS[1], 't') ~= ARGV[3] then return 0 end
redis.call('hset', KEYS[1], 'd', ARGV[1], 't', ARGV[2])
return 1`;
const TOUCH = `if redis.call('exists', KEYS[1]) == 0 then return 0 end
redis.call('hset', KEYS[1], 'a', ARGV[1], 'e', ARGV[2])
redis.call('pexpireat', KEYS[1], ARGV[3])
redis.call('zadd', KEYS[2], 'XX', ARGV[2], ARGV[4])
return 1`;

/**
 * Sessions in Redis, shared by every instance behind a load balancer. Redis expires each
 * session at its `expiresAt`; every request reads Redis, so a sign-out on one instance is
 * seen by all on their next request. While Redis is unreachable, requests get a 503 within
 * `commandTimeout` and the client reconnects on its own.
 *
 * @example
 * ```ts
 * createGatehouse({ ...options, sessionStore: new RedisStore('redis://localhost:6379') })
 * ```
 */
export class RedisStore implements SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  #reads: PendingRead[] = [];

  constructor(
    url: string,
    { prefix = 'gatehouse:', commandTimeout = 2000, logger, redis }: RedisStoreOptions = {},
  ) {
    this.#prefix = prefix;
    this.#redis = new Redis(url, {
      commandTimeout,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      ...redis,
    });
    let healthy = true;
    this.#redis.on('error', (error: Error) => {
      if (healthy)
        logger?.error({ detail: error.message }, 'session store: Redis unreachable, reconnecting');
      healthy = false;
    });
    this.#redis.on('ready', () => {
      if (!healthy) logger?.info('session store: Redis connected again');
      healthy = true;
    });
    this.#redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: RELEASE });
    this.#redis.defineCommand('updateSession', { numberOfKeys: 1, lua: UPDATE });
    this.#redis.defineCommand('touchSession', { numberOfKeys: 2, lua: TOUCH });
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const [data, tokens, lastSeenAt, expiresAt] = await this.#run(() => this.#read(key));
    if (!data || !tokens) return undefined;
    const record = JSON.parse(data.toString()) as SessionRecord;
    // Records written before the activity fields had their own hash fields keep them in `d`.
    if (lastSeenAt) record.lastSeenAt = Number(lastSeenAt);
    if (expiresAt) record.expiresAt = Number(expiresAt);
    record.tokens = tokens;
    return record;
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    const expiresAtMs = record.expiresAt * 1000;
    const multi = this.#redis
      .multi()
      .hset(this.#session(key), {
        d: dataOf(record),
        t: Buffer.from(record.tokens),
        a: record.lastSeenAt,
        e: record.expiresAt,
      })
      .pexpireat(this.#session(key), (record.expiresAt + EXPIRED_RETENTION) * 1000)
      .zadd(this.#expiry, record.expiresAt, key);
    for (const index of this.#indexes(record)) {
      multi
        .sadd(index, key)
        .pexpireat(index, expiresAtMs, 'GT')
        .pexpireat(index, expiresAtMs, 'NX');
    }
    await this.#run(() => multi.exec());
  }

  async update(key: string, record: SessionRecord, ifTokens?: Uint8Array): Promise<boolean> {
    const applied = await this.#run(() =>
      (this.#redis as unknown as SessionCommands).updateSession(
        this.#session(key),
        dataOf(record),
        Buffer.from(record.tokens),
        ifTokens ? Buffer.from(ifTokens) : '',
      ),
    );
    return applied === 1;
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    await this.#run(() =>
      (this.#redis as unknown as SessionCommands).touchSession(
        this.#session(key),
        this.#expiry,
        lastSeenAt,
        expiresAt,
        (expiresAt + EXPIRED_RETENTION) * 1000,
        key,
      ),
    );
  }

  async delete(key: string): Promise<void> {
    await this.#run(() =>
      this.#redis.multi().del(this.#session(key)).zrem(this.#expiry, key).exec(),
    );
  }

  async listBySubject(sub: string): Promise<StoredSession[]> {
    return this.#list(`${this.#prefix}sub:${sub}`);
  }

  async listBySid(sid: string): Promise<StoredSession[]> {
    return this.#list(`${this.#prefix}sid:${sid}`);
  }

  async claimOnce(id: string, expiresAt: number): Promise<boolean> {
    const result = await this.#run(() =>
      this.#redis.set(`${this.#prefix}claim:${id}`, '1', 'PXAT', expiresAt * 1000, 'NX'),
    );
    return result === 'OK';
  }

  async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const key = `${this.#prefix}lock:${name}`;
    const token = randomBytes(16).toString('base64url');
    const taken = await this.#run(() => this.#redis.set(key, token, 'PX', ttlMs, 'NX'));
    if (taken !== 'OK') return undefined;
    return async () => {
      await this.#run(() => (this.#redis as unknown as LockCommands).releaseLock(key, token));
    };
  }

  /** Live sessions, from the expiry index: no scan of the keyspace. */
  async count(): Promise<number> {
    const [, [, count]] = (await this.#run(() =>
      this.#redis
        .multi()
        .zremrangebyscore(this.#expiry, '-inf', Math.floor(Date.now() / 1000))
        .zcard(this.#expiry)
        .exec(),
    )) as [unknown, [unknown, number]];
    return count;
  }

  async sample(limit: number): Promise<StoredSession[]> {
    const keys = await this.#run(() =>
      this.#redis.zrangebyscore(
        this.#expiry,
        Math.floor(Date.now() / 1000) + 1,
        '+inf',
        'LIMIT',
        0,
        limit,
      ),
    );
    const found = await Promise.all(
      keys.map(async (key) => ({ key, record: await this.get(key) })),
    );
    const now = Date.now() / 1000;
    return found.filter(
      (entry): entry is StoredSession => entry.record !== undefined && entry.record.expiresAt > now,
    );
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#redis.ping());
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  get #expiry(): string {
    return `${this.#prefix}expiry`;
  }

  #session(key: string): string {
    return `${this.#prefix}s:${key}`;
  }

  #indexes(record: SessionRecord): string[] {
    const indexes = [`${this.#prefix}sub:${record.user.sub}`];
    if (record.sid) indexes.push(`${this.#prefix}sid:${record.sid}`);
    return indexes;
  }

  /**
   * One session's fields. The reads asked for in one turn of the event loop (the requests of
   * one batch of sockets) go to Redis as one pipeline: one write and, usually, one read for
   * all of them, instead of a pair of system calls each. Each is still its own round trip to
   * Redis, made after the request arrived: nothing is cached.
   */
  #read(key: string): Promise<Fields> {
    return new Promise((resolve, reject) => {
      if (this.#reads.push({ key, resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const reads = this.#reads;
    this.#reads = [];
    if (reads.length === 1) {
      const [{ key, resolve, reject }] = reads as [PendingRead];
      this.#redis.hmgetBuffer(this.#session(key), 'd', 't', 'a', 'e').then(resolve, reject);
      return;
    }
    const pipeline = this.#redis.pipeline();
    for (const { key } of reads) pipeline.hmgetBuffer(this.#session(key), 'd', 't', 'a', 'e');
    pipeline.exec().then(
      (results) =>
        reads.forEach(({ resolve, reject }, i) => {
          const [error, fields] = results![i]!;
          if (error) reject(error);
          else resolve(fields as Fields);
        }),
      (error: unknown) => reads.forEach(({ reject }) => reject(error)),
    );
  }

  async #list(index: string): Promise<StoredSession[]> {
    const keys = await this.#run(() => this.#redis.smembers(index));
    const found: StoredSession[] = [];
    const gone: string[] = [];
    const now = Date.now() / 1000;
    for (const key of keys) {
      const record = await this.get(key);
      if (!record) gone.push(key);
      else if (record.expiresAt > now) found.push({ key, record });
    }
    if (gone.length) await this.#run(() => this.#redis.srem(index, ...gone));
    return found;
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new StoreUnavailableError(
        'The session store is not available right now. Try again in a moment.',
        `redis: ${(error as Error).message}`,
      );
    }
  }
}

type Fields = (Buffer | null)[];

interface PendingRead {
  key: string;
  resolve(fields: Fields): void;
  reject(error: unknown): void;
}

interface LockCommands {
  releaseLock(key: string, token: string): Promise<number>;
}

interface SessionCommands {
  updateSession(key: string, data: string, tokens: Buffer, ifTokens: Buffer | ''): Promise<number>;
  touchSession(
    key: string,
    expiryIndex: string,
    lastSeenAt: number,
    expiresAt: number,
    expiresAtMs: number,
    member: string,
  ): Promise<number>;
}

/** The record's JSON for the `d` field; its activity fields are overridden by `a` and `e`. */
function dataOf({ tokens: _, ...data }: SessionRecord): string {
  return JSON.stringify(data);
}
