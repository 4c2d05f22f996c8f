import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../errors.js';
import type { SessionRecord, SessionStore, StoredSession } from '../store.js';

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
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const [data, tokens] = await this.#run(() =>
      this.#redis.hmgetBuffer(this.#session(key), 'd', 't'),
    );
    return data && tokens
      ? { ...(JSON.parse(data.toString()) as SessionRecord), tokens }
      : undefined;
  }

  async set(key: string, record: SessionRecord): Promise<void> {
    const { tokens, ...data } = record;
    const expiresAtMs = record.expiresAt * 1000;
    const multi = this.#redis
      .multi()
      .hset(this.#session(key), 'd', JSON.stringify(data), 't', Buffer.from(tokens))
      .pexpireat(this.#session(key), expiresAtMs);
    for (const index of this.#indexes(record)) {
      multi
        .sadd(index, key)
        .pexpireat(index, expiresAtMs, 'GT')
        .pexpireat(index, expiresAtMs, 'NX');
    }
    await this.#run(() => multi.exec());
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    const record = await this.get(key);
    if (!record) return;
    await this.set(key, { ...record, lastSeenAt, expiresAt });
  }

  async delete(key: string): Promise<void> {
    await this.#run(() => this.#redis.del(this.#session(key)));
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

  async count(): Promise<number> {
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.#run(() =>
        this.#redis.scan(cursor, 'MATCH', `${this.#prefix}s:*`, 'COUNT', 1000),
      );
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#redis.ping());
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  #session(key: string): string {
    return `${this.#prefix}s:${key}`;
  }

  #indexes(record: SessionRecord): string[] {
    const indexes = [`${this.#prefix}sub:${record.user.sub}`];
    if (record.sid) indexes.push(`${this.#prefix}sid:${record.sid}`);
    return indexes;
  }

  async #list(index: string): Promise<StoredSession[]> {
    const keys = await this.#run(() => this.#redis.smembers(index));
    const found: StoredSession[] = [];
    const gone: string[] = [];
    for (const key of keys) {
      const record = await this.get(key);
      if (record) found.push({ key, record });
      else gone.push(key);
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

interface LockCommands {
  releaseLock(key: string, token: string): Promise<number>;
}
