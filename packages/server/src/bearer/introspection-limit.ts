import { setBounded } from '../bounded-map.js';
import { IntrospectionBusyError, type GatehouseError } from '../errors.js';

/** The bounds on calls to the introspection endpoint. */
export interface IntrospectionLimits {
  /** Calls per second at most; the bucket holds one second's worth (at least one call). */
  readonly rate: number;
  /** Calls in flight at once at most. */
  readonly concurrency: number;
  /** Seconds a refused token is answered from memory. */
  readonly negativeTtl: number;
  /** Refused tokens remembered at most; when full the oldest goes. */
  readonly negativeCacheSize: number;
}

const BUSY = 'Too many requests to check access tokens right now. Try again in a moment.';

/**
 * What keeps random opaque tokens from spending the provider's quota and our sockets: each
 * call to the introspection endpoint needs a free slot (`concurrency`) and a token from a
 * bucket refilled at `rate` per second, or the request is answered 503 with `Retry-After` at
 * once (nothing waits). A token the provider refused is remembered by its hash for
 * `negativeTtl` seconds, so repeating it costs a map lookup, not a call.
 */
export class IntrospectionLimiter {
  readonly #refused = new Map<string, { until: number; error: GatehouseError }>();
  readonly #capacity: number;
  #tokens: number;
  #refilledAt = performance.now();
  #inFlight = 0;

  constructor(readonly limits: IntrospectionLimits) {
    this.#capacity = Math.max(1, limits.rate);
    this.#tokens = this.#capacity;
  }

  /** Calls to the provider running now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Refused tokens remembered now (expired ones included until they are looked up or evicted). */
  get refusedSize(): number {
    return this.#refused.size;
  }

  /** The refusal remembered for the token hash `key`, if still fresh. */
  refused(key: string): GatehouseError | undefined {
    const entry = this.#refused.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > Date.now()) return entry.error;
    this.#refused.delete(key);
    return undefined;
  }

  /** Remembers that the provider refused the token hashed `key` (a 401), briefly. */
  remember(key: string, error: GatehouseError): void {
    const { negativeCacheSize, negativeTtl } = this.limits;
    if (negativeCacheSize === 0 || negativeTtl <= 0) return;
    this.#refused.delete(key);
    setBounded(
      this.#refused,
      key,
      { until: Date.now() + negativeTtl * 1000, error },
      negativeCacheSize,
    );
  }

  /**
   * Runs `call` if a slot and a bucket token are free; else throws an
   * {@link IntrospectionBusyError} at once, without calling.
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#inFlight >= this.limits.concurrency) {
      throw new IntrospectionBusyError(
        1,
        BUSY,
        `introspection: ${this.#inFlight} calls in flight (INTROSPECTION_CONCURRENCY)`,
      );
    }
    this.#refill();
    if (this.#tokens < 1) {
      throw new IntrospectionBusyError(
        (1 - this.#tokens) / this.limits.rate,
        BUSY,
        `introspection: over ${this.limits.rate} calls per second (INTROSPECTION_RATE_LIMIT)`,
      );
    }
    this.#tokens -= 1;
    this.#inFlight++;
    try {
      return await call();
    } finally {
      this.#inFlight--;
    }
  }

  #refill(): void {
    const now = performance.now();
    const earned = ((now - this.#refilledAt) / 1000) * this.limits.rate;
    this.#tokens = Math.min(this.#capacity, this.#tokens + earned);
    this.#refilledAt = now;
  }
}
