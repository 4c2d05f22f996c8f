import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { GatehouseLogger as Logger } from '../../logger.js';
import { AnnouncedCache, type SessionCacheOptions } from './cache.js';

/** The `cache` option of the Postgres store: `false` turns the in-process cache off. */
export type PostgresCacheOptions = (SessionCacheOptions & { heartbeatMs?: number }) | false;

/**
 * The Postgres store's in-process cache. Every statement that changes a session announces its
 * key with `pg_notify` in the same statement (so at its commit, with the cache off too: other
 * instances may have it on), and a connection of its own `LISTEN`s for them.
 *
 * The feed proves itself as the Redis store's does: every `heartbeatMs` it notifies a heartbeat
 * through the pool and renews the cache's lease when it comes back on the listening connection.
 * A listening connection that breaks empties the cache at once and is opened again; one that
 * goes quiet lets the lease lapse after three heartbeats. Either way every read goes to
 * Postgres until the feed is listening again and its heartbeat heard. Postgres sends a
 * notification when the write commits, well before a browser's next request can arrive
 * (ordering across two connections is not a protocol guarantee, which is why a refresh lock's
 * holder never trusts a copy: {@link AnnouncedCache.locked}).
 */
export class PostgresSessionCache extends AnnouncedCache {
  /** The channel every instance on these tables announces its session changes on. */
  readonly channel: string;
  readonly #heartbeat = `~${randomBytes(9).toString('base64url')}`;
  readonly #timer: NodeJS.Timeout | undefined;
  #listener: pg.Client | undefined;
  #closed = false;

  constructor(
    private readonly connection: pg.ClientConfig,
    /** Notifies a heartbeat through the store's pool. */
    private readonly notify: (channel: string, payload: string) => Promise<unknown>,
    tablePrefix: string,
    options: PostgresCacheOptions,
    private readonly logger?: Logger,
  ) {
    super(options);
    this.channel = `${tablePrefix}sessions_changes`;
    if (options === false || !this.cache) return;
    const heartbeatMs = options.heartbeatMs ?? 1000;
    this.#timer = setInterval(() => this.#beat(), heartbeatMs).unref();
    void this.#listen(3 * heartbeatMs);
  }

  /** Opens the listening connection; again a second after it breaks. */
  async #listen(lease: number): Promise<void> {
    const cache = this.cache!;
    const listener = new pg.Client(this.connection);
    this.#listener = listener;
    const broken = () => {
      cache.down();
      if (this.#listener !== listener || this.#closed) return;
      this.#listener = undefined;
      listener.end().catch(() => {});
      setTimeout(() => void this.#listen(lease), 1000).unref();
    };
    listener.on('error', broken);
    listener.on('end', broken);
    listener.on('notification', ({ channel, payload }) => {
      if (channel !== this.channel || payload === undefined) return;
      if (payload === this.#heartbeat) cache.heard(performance.now() + lease);
      else if (!payload.startsWith('~')) cache.invalidate(payload);
    });
    try {
      await listener.connect();
      await listener.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
      this.#beat();
    } catch (error) {
      if (!this.#closed)
        this.logger?.warn(
          { detail: (error as Error).message },
          'session store: Postgres change feed not listening',
        );
      broken();
    }
  }

  /** Notifies one heartbeat; its return renews the lease. */
  #beat(): void {
    this.notify(this.channel, this.#heartbeat).catch(() => this.cache?.down());
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.cache?.down();
    this.#listener?.end().catch(() => {});
  }
}
