import { randomBytes } from 'node:crypto';
import { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { GatehouseLogger as Logger } from '../../logger.js';
import { StoreUnavailableError } from '../../errors.js';
import {
  EXPIRED_RETENTION,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from '../../session-store.js';
import { connectRedis, keepConnected, type RedisClient } from './redis-client.js';
import { RedisSessionCache, type RedisCacheOptions } from './redis-cache.js';
import { FIELDS, ReadBatch, type Fields } from './redis-reads.js';
import { defineSessionScripts, type SessionScripts } from './redis-scripts.js';
import { onAnyNode, topologyOf, type RedisTopology } from './redis-topology.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key, so one Redis can serve several apps. */
  prefix?: string;
  /** Milliseconds a command may wait, connected or not, before the request gets a 503. */
  commandTimeout?: number;
  logger?: Logger;
  /**
   * Passed to ioredis as they are: for a cluster, the options of each node's connection
   * (`username`, `password`, `tls`); for Sentinel, with the sentinels' own (`sentinelPassword`,
   * `sentinelTLS`).
   */
  redis?: RedisOptions;
  /** Passed to ioredis's `Cluster` as they are, for `redis-cluster://` (`dnsLookup`, `natMap`). */
  cluster?: ClusterOptions;
  /**
   * The in-process cache of sessions read lately (on by default: `size` 10,000, `maxAgeMs`
   * 5,000): a session changed or ended on any instance is dropped the moment that instance
   * announces it. `false` reads Redis on every request.
   */
  cache?: RedisCacheOptions;
}

/** A cluster's expiry index is cut in this many keys, spread over its shards. */
const EXPIRY_SHARDS = 16;

type Command = (string | number | Buffer)[];

/**
 * Sessions in Redis, shared by every instance behind a load balancer: one server
 * (`redis://`, `rediss://`), a Sentinel set (`redis-sentinel://`) or a Redis Cluster
 * (`redis-cluster://`), or an ioredis client you made (which {@link close} leaves open). Redis
 * expires each session at its `expiresAt`. Sessions read lately are kept in process, and every
 * write announces the session it changed so each instance drops its copy
 * ({@link RedisSessionCache}): a sign-out on one instance is seen by all on their next request.
 * While Redis is unreachable or failing over, requests get a 503 within `commandTimeout` and the
 * client reconnects on its own.
 *
 * @example
 * ```ts
 * createGatehouse({ ...options, sessionStore: new RedisStore('redis://localhost:6379') })
 * ```
 */
export class RedisStore implements SessionStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #cluster: boolean;
  /** Stops reconnecting a client this store made; undefined for a client it was given. */
  readonly #stopConnecting: (() => void) | undefined;
  readonly #commandTimeout: number;
  readonly #reads: ReadBatch;
  readonly #scripts: SessionScripts;
  readonly #cache: RedisSessionCache;

  constructor(
    target: string | RedisClient,
    {
      prefix = 'gatehouse:',
      commandTimeout = 2000,
      logger,
      redis,
      cluster,
      cache = {},
    }: RedisStoreOptions = {},
  ) {
    this.#prefix = prefix;
    this.#commandTimeout = commandTimeout;
    this.#redis =
      typeof target === 'string' ? connectRedis(target, commandTimeout, redis, cluster) : target;
    if (typeof target === 'string') this.#stopConnecting = keepConnected(this.#redis);
    this.#cluster = this.#redis instanceof Cluster;
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
    this.#scripts = defineSessionScripts(this.#redis);
    this.#reads = new ReadBatch(this.#redis);
    this.#cache = new RedisSessionCache(this.#redis, prefix, cache, logger);
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    return this.#cache.read(key, () => this.#load(key));
  }

  async #load(key: string): Promise<SessionRecord | undefined> {
    const [data, tokens, lastSeenAt, expiresAt] = await this.#run(() => this.#read(key));
    if (!data || !tokens) return undefined;
    const record = JSON.parse(data.toString()) as SessionRecord;
    // Records written before the activity fields had their own hash fields keep them in `d`.
    if (lastSeenAt) record.lastSeenAt = Number(lastSeenAt);
    if (expiresAt) record.expiresAt = Number(expiresAt);
    record.tokens = tokens;
    return record;
  }

  /**
   * The session first, then its index entries: a session is listed once it is indexed, and
   * one that is written but not indexed (a failure in between) has no cookie yet, since the
   * sign-in fails. So a listed session always exists, and back-channel logout finds every
   * session a browser holds. On one server, all in one transaction.
   */
  async create(key: string, record: SessionRecord): Promise<void> {
    const session = this.#session(key);
    const expiresAtMs = record.expiresAt * 1000;
    await this.#write([
      [
        ['hset', session, 'd', dataOf(record), 't', Buffer.from(record.tokens)],
        ['hset', session, 'a', record.lastSeenAt, 'e', record.expiresAt],
        ['pexpireat', session, (record.expiresAt + EXPIRED_RETENTION) * 1000],
      ],
      [['zadd', this.#expiryOf(key), record.expiresAt, key]],
      ...this.#indexes(record.user.sub, record.sid).map((index) => [
        ['sadd', index, key],
        ['pexpireat', index, expiresAtMs, 'GT'],
        ['pexpireat', index, expiresAtMs, 'NX'],
      ]),
    ]);
  }

  async update(key: string, record: SessionRecord, ifTokens?: Uint8Array): Promise<boolean> {
    const applied = await this.#cache.write(key, () =>
      this.#run(() =>
        this.#scripts.updateSession(
          this.#session(key),
          dataOf(record),
          Buffer.from(record.tokens),
          ifTokens ? Buffer.from(ifTokens) : '',
          this.#cache.channel,
          key,
        ),
      ),
    );
    return applied === 1;
  }

  /**
   * The activity fields, then the expiry index and the user's and provider session's indexes
   * pushed to the new end (XX, GT: never an entry for a session that is gone).
   */
  async touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    const touched = await this.#cache.write(key, () =>
      this.#run(() =>
        this.#scripts.touchSession(
          this.#session(key),
          lastSeenAt,
          expiresAt,
          (expiresAt + EXPIRED_RETENTION) * 1000,
          this.#cache.channel,
          key,
        ),
      ),
    );
    if (!touched) return;
    const [sub, sid] = touched;
    await this.#write([
      [['zadd', this.#expiryOf(key), 'XX', expiresAt, key]],
      ...this.#indexes(sub, sid).map((index) => [['pexpireat', index, expiresAt * 1000, 'GT']]),
    ]);
  }

  async delete(key: string): Promise<void> {
    const session = this.#session(key);
    const announce = ['publish', this.#cache.channel, key];
    await this.#cache.write(key, () =>
      this.#write([[['del', session], announce], [['zrem', this.#expiryOf(key), key]]]),
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
    this.#cache.locked(name);
    return async () => {
      await this.#run(() => this.#scripts.releaseLock(key, token));
    };
  }

  /** Live sessions, from the expiry index: no scan of the keyspace. */
  async count(): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    const counts = await Promise.all(
      this.#expiryIndexes().map(async (index) => {
        const results = await this.#run(() =>
          this.#redis.multi().zremrangebyscore(index, '-inf', now).zcard(index).exec(),
        );
        return Number(results?.[1]?.[1] ?? 0);
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async sample(limit: number): Promise<StoredSession[]> {
    const found: StoredSession[] = [];
    for (const index of this.#expiryIndexes()) {
      if (found.length >= limit) break;
      const now = Date.now() / 1000;
      const keys = await this.#run(() =>
        this.#redis.zrangebyscore(index, Math.floor(now) + 1, '+inf', 'LIMIT', 0, limit),
      );
      const records = await Promise.all(keys.map((key) => this.get(key)));
      keys.forEach((key, i) => {
        const record = records[i];
        if (record && record.expiresAt > now && found.length < limit) found.push({ key, record });
      });
    }
    return found;
  }

  /** On a cluster: a node answers, and says that every slot is served (cluster_state:ok). */
  async ping(): Promise<void> {
    if (!(this.#redis instanceof Cluster)) {
      await this.#run(() => this.#redis.ping());
      return;
    }
    const cluster = this.#redis;
    const info = await this.#run(() => onAnyNode(() => cluster.cluster('INFO')));
    const state = /cluster_state:(\w+)/.exec(info)?.[1];
    if (state !== 'ok')
      throw new StoreUnavailableError(
        'The session store is not available right now. Try again in a moment.',
        `redis cluster: cluster_state is ${state ?? 'unknown'}`,
      );
  }

  /** What this store talks to (for `gatehouse doctor`): the form, version and replicas. */
  async redisTopology(): Promise<RedisTopology> {
    return this.#run(() => topologyOf(this.#redis));
  }

  async close(): Promise<void> {
    this.#cache.close();
    if (!this.#stopConnecting) return;
    this.#stopConnecting();
    this.#redis.disconnect();
  }

  /**
   * The expiry index of a session: one key on one server (as before clusters), one of
   * {@link EXPIRY_SHARDS} on a cluster so that no one shard takes every session's writes.
   */
  #expiryOf(key: string): string {
    if (!this.#cluster) return `${this.#prefix}expiry`;
    return `${this.#prefix}expiry:${key.charCodeAt(0) % EXPIRY_SHARDS}`;
  }

  #expiryIndexes(): string[] {
    if (!this.#cluster) return [`${this.#prefix}expiry`];
    return Array.from({ length: EXPIRY_SHARDS }, (_, i) => `${this.#prefix}expiry:${i}`);
  }

  #session(key: string): string {
    return `${this.#prefix}s:${key}`;
  }

  #indexes(sub: string, sid: string | undefined): string[] {
    const indexes = [`${this.#prefix}sub:${sub}`];
    if (sid) indexes.push(`${this.#prefix}sid:${sid}`);
    return indexes;
  }

  /**
   * Groups of commands, each group on one key: on one server one transaction; on a cluster
   * the first group (the session's) first, then the others, each a transaction in its slot.
   */
  async #write(groups: Command[][]): Promise<void> {
    const exec = async (commands: Command[]) => {
      const results = await this.#redis.multi(commands).exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    };
    await this.#run(async () => {
      if (!this.#cluster) return exec(groups.flat());
      const [first, ...rest] = groups;
      await exec(first!);
      await Promise.all(rest.map(exec));
    });
  }

  /** One session's fields: batched per turn of the event loop ({@link ReadBatch}). */
  #read(key: string): Promise<Fields> {
    if (this.#cluster) return this.#redis.hmgetBuffer(this.#session(key), ...FIELDS);
    return this.#reads.read(this.#session(key));
  }

  /**
   * An index's live sessions. Each entry is checked against its session, read from the
   * session's own slot; an entry whose session is gone (signed out) is dropped. Safe, because a
   * session is written before its entry (see create) and a session key is never reused.
   */
  async #list(index: string): Promise<StoredSession[]> {
    const keys = await this.#run(() => this.#redis.smembers(index));
    const records = await Promise.all(keys.map((key) => this.get(key)));
    const found: StoredSession[] = [];
    const gone: string[] = [];
    const now = Date.now() / 1000;
    keys.forEach((key, i) => {
      const record = records[i];
      if (!record) gone.push(key);
      else if (record.expiresAt > now) found.push({ key, record });
    });
    if (gone.length) await this.#run(() => this.#redis.srem(index, ...gone));
    return found;
  }

  /**
   * Runs a command, any failure a 503. On a cluster, also bounded here: ioredis retries a
   * command across a failover (new slot owners), which may take longer than commandTimeout.
   */
  async #run<T>(command: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!this.#cluster) return await command();
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.#commandTimeout} ms`)),
          this.#commandTimeout,
        );
      });
      return await Promise.race([command(), late]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(
        'The session store is not available right now. Try again in a moment.',
        `redis: ${(error as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The record's JSON for the `d` field; its activity fields are overridden by `a` and `e`. */
function dataOf({ tokens: _, ...data }: SessionRecord): string {
  return JSON.stringify(data);
}
