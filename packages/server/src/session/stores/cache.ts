import { setBounded } from '../../bounded-map.js';
import type { SessionRecord } from '../../session-store.js';

/** Options of {@link SessionCache}. */
export interface SessionCacheOptions {
  /** Sessions kept at most (the oldest kept goes first). */
  size?: number;
  /** Milliseconds a kept session is served before it is read again, whatever the feed says. */
  maxAgeMs?: number;
}

/** A read of one session from the store, begun by {@link SessionCache.begin}. */
export interface CacheRead {
  readonly key: string;
  /** False once the session changed (or the feed dropped) while the read was in flight. */
  fresh: boolean;
}

const STALE: CacheRead = Object.freeze({ key: '', fresh: false });

/**
 * Sessions read lately, kept in this process for a store whose writes are announced on a change
 * feed (every writer says which session it changed). An entry is served only while the feed is
 * known to be live: the feed renews a lease ({@link heard}) as it proves itself, and a feed that
 * dropped ({@link down}) or went quiet past its lease empties the cache and leaves every read to
 * the store until it is back. A change announced while a read is in flight keeps that read's
 * answer out of the cache (it may predate the change). Bounded by `size` (`setBounded`) and by
 * `maxAgeMs`, a backstop against a writer that does not announce. Records are served as copies:
 * callers set the activity fields on what they get.
 */
export class SessionCache {
  readonly #entries = new Map<string, { record: SessionRecord; at: number }>();
  readonly #reads = new Map<string, Set<CacheRead>>();
  readonly #size: number;
  readonly #maxAgeMs: number;
  /** `performance.now()` until which the feed is known live; 0: not live. */
  #liveUntil = 0;

  constructor({ size = 10_000, maxAgeMs = 5_000 }: SessionCacheOptions = {}) {
    this.#size = size;
    this.#maxAgeMs = maxAgeMs;
  }

  /** Whether entries may be served: the feed renewed its lease and it has not lapsed. */
  get live(): boolean {
    if (this.#liveUntil === 0) return false;
    if (performance.now() <= this.#liveUntil) return true;
    this.down();
    return false;
  }

  /** How many sessions are kept (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** A copy of the kept session, or undefined: then read the store between begin and settle. */
  get(key: string): SessionRecord | undefined {
    const entry = this.#entries.get(key);
    if (!entry || !this.live) return undefined;
    if (performance.now() - entry.at > this.#maxAgeMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return { ...entry.record };
  }

  /** Call before sending a read of `key` to the store. */
  begin(key: string): CacheRead {
    if (!this.live || this.#size === 0) return STALE;
    const read: CacheRead = { key, fresh: true };
    const reads = this.#reads.get(key);
    if (reads) reads.add(read);
    else this.#reads.set(key, new Set([read]));
    return read;
  }

  /** Call with the store's answer (undefined: none, or the read failed); kept if still fresh. */
  settle(read: CacheRead, record: SessionRecord | undefined): void {
    if (read === STALE) return;
    const reads = this.#reads.get(read.key);
    if (reads?.delete(read) && reads.size === 0) this.#reads.delete(read.key);
    if (!record || !read.fresh || !this.live) return;
    this.#entries.delete(read.key);
    setBounded(
      this.#entries,
      read.key,
      { record: { ...record }, at: performance.now() },
      this.#size,
    );
  }

  /** `key` changed (announced by the feed, or written by this process): drop it. */
  invalidate(key: string): void {
    this.#entries.delete(key);
    const reads = this.#reads.get(key);
    if (!reads) return;
    for (const read of reads) read.fresh = false;
    this.#reads.delete(key);
  }

  /** The feed proved live: serve entries until `performance.now()` passes `until`. */
  heard(until: number): void {
    this.#liveUntil = Math.max(this.#liveUntil, until);
  }

  /** The feed dropped (or its lease lapsed): changes may have been missed, so forget all. */
  down(): void {
    this.#liveUntil = 0;
    this.#entries.clear();
    for (const reads of this.#reads.values()) for (const read of reads) read.fresh = false;
    this.#reads.clear();
  }
}

/**
 * A store's side of its {@link SessionCache}: reads go through {@link read}, this process's
 * writes through {@link write}; whatever keeps the cache live (a change feed) is the
 * subclass's. Without a cache, reads and writes pass through.
 */
export class AnnouncedCache {
  protected readonly cache: SessionCache | undefined;

  /** `false`, or a `size` of 0: no cache. */
  constructor(options: SessionCacheOptions | false) {
    this.cache = options === false || options.size === 0 ? undefined : new SessionCache(options);
  }

  /** The kept session, or `load`'s answer (kept unless it changed while in flight). */
  async read(
    key: string,
    load: () => Promise<SessionRecord | undefined>,
  ): Promise<SessionRecord | undefined> {
    const cache = this.cache;
    if (!cache) return load();
    const kept = cache.get(key);
    if (kept) return kept;
    const read = cache.begin(key);
    let record: SessionRecord | undefined;
    try {
      record = await load();
    } finally {
      cache.settle(read, record);
    }
    return record;
  }

  /**
   * This instance's own write of `key`: dropped before (reads in flight keep nothing) and after
   * (whatever the outcome), without waiting for the feed to bring the announcement back.
   */
  async write<T>(key: string, write: () => Promise<T>): Promise<T> {
    this.cache?.invalidate(key);
    try {
      return await write();
    } finally {
      this.cache?.invalidate(key);
    }
  }

  /**
   * A lock named after a session (`refresh:<key>`) was taken: its holder is about to read the
   * session and decide on a refresh from it, so that read goes to the store, never to a copy.
   */
  locked(name: string): void {
    this.cache?.invalidate(name.slice(name.lastIndexOf(':') + 1));
  }
}
