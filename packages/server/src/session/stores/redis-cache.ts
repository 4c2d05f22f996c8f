import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { GatehouseLogger as Logger } from '../../logger.js';
import { AnnouncedCache, type SessionCache, type SessionCacheOptions } from './cache.js';

/** The `cache` option of the Redis store: `false` turns the in-process cache off. */
export type RedisCacheOptions = (SessionCacheOptions & { heartbeatMs?: number }) | false;

/**
 * The Redis store's in-process cache: every write that changes a session publishes the
 * session's key on {@link channel} in the same transaction or script (with the cache off too:
 * other instances may have it on), and {@link RedisChangeFeed} keeps the cache live.
 */
export class RedisSessionCache extends AnnouncedCache {
  readonly #feed: RedisChangeFeed | undefined;
  /** The channel every instance on this key prefix announces its session changes on. */
  readonly channel: string;

  constructor(redis: Redis | Cluster, prefix: string, options: RedisCacheOptions, logger?: Logger) {
    super(options);
    this.channel = changeChannel(prefix);
    if (options === false || !this.cache) return;
    // A Cluster resubscribes on its own when its subscriber node changes; the lease covers the gap.
    const subscriber = redis.isCluster
      ? (redis as Cluster).duplicate()
      : (redis as Redis).duplicate({ autoResubscribe: false });
    this.#feed = new RedisChangeFeed(this.cache, subscriber, redis, this.channel, {
      heartbeatMs: options.heartbeatMs,
      ...(logger && { logger }),
    });
    // A client made with lazyConnect waits for a first command, which a subscriber never sends.
    if (subscriber.status === 'wait') subscriber.connect().catch(() => {});
  }

  close(): void {
    this.#feed?.close();
  }
}

/**
 * The change feed of the Redis store's in-process cache: a classic pub/sub channel on which every
 * write script publishes the key of the session it changed (touch, refresh, sign-out alike).
 *
 * Why a channel and not Redis client-side caching (`CLIENT TRACKING ... BCAST`): the same code
 * serves one server, a Sentinel set (the subscription follows the master, as the store's
 * connection does) and a Redis Cluster, where a classic PUBLISH, from a script too, reaches the
 * subscribers of every node; tracking is per node connection, which an ioredis Cluster does not
 * expose. The price: only writers who publish are seen (every Gatehouse write does), hence the
 * cache's short max age as a backstop. Redis sends the message while it runs the write, so it
 * reaches every instance well before a browser's next request can (ordering across two
 * connections is not a protocol guarantee, which is why a refresh lock's holder never trusts a
 * copy: {@link RedisSessionCache.locked}).
 *
 * The feed proves itself: every `heartbeatMs` it publishes a heartbeat through the store's own
 * connection and renews the cache's lease when it comes back on the subscription. A subscription
 * that drops (connection closed, `CLIENT KILL`, failover) empties the cache at once; one that
 * goes quiet (a half-open connection) lets the lease lapse after three heartbeats. Either way
 * every read goes to Redis until the feed is subscribed again and its heartbeat heard.
 */
export class RedisChangeFeed {
  readonly #heartbeat: string;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(
    private readonly cache: SessionCache,
    /** A connection of its own: once subscribed it can send nothing else. */
    private readonly subscriber: Redis | Cluster,
    /** The store's connection, which publishes the heartbeats. */
    private readonly publisher: Redis | Cluster,
    private readonly channel: string,
    { heartbeatMs = 1000, logger }: { heartbeatMs?: number | undefined; logger?: Logger } = {},
  ) {
    this.#heartbeat = `~${randomBytes(9).toString('base64url')}`;
    const lease = 3 * heartbeatMs;
    const down = () => cache.down();
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      if (message === this.#heartbeat) cache.heard(performance.now() + lease);
      else if (!message.startsWith('~')) cache.invalidate(message);
    });
    for (const event of ['close', 'end', 'reconnecting', 'error']) subscriber.on(event, down);
    for (const event of ['close', 'end', 'error']) publisher.on(event, down);
    subscriber.on('ready', () => this.#subscribe(logger));
    this.#timer = setInterval(() => this.#beat(), heartbeatMs).unref();
  }

  /** Publishes one heartbeat; its return renews the lease. */
  #beat(): void {
    this.publisher.publish(this.channel, this.#heartbeat).catch(() => this.cache.down());
  }

  #subscribe(logger: Logger | undefined): void {
    this.subscriber.subscribe(this.channel).then(
      () => this.#beat(),
      (error: Error) => {
        this.cache.down();
        if (!this.#closed)
          logger?.warn(
            { detail: error.message },
            'session store: Redis change feed not subscribed',
          );
      },
    );
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.cache.down();
    this.subscriber.disconnect();
  }
}

/** The channel a store with key prefix `prefix` announces its session changes on. */
export function changeChannel(prefix: string): string {
  return `${prefix}changes`;
}
