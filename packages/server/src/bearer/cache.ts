/**
 * Verified callers by token hash, each kept until its `expiresAt` (epoch seconds). Bounded:
 * when full the oldest entry goes, so memory stays capped whatever tokens callers send.
 */
import { setBounded } from '../bounded-map.js';

export class TokenCache<V extends { readonly expiresAt: number }> {
  readonly #entries = new Map<string, V>();

  constructor(readonly maxSize: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The live entry for `key`; an expired one is dropped and not returned. */
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    if (value.expiresAt * 1000 > Date.now()) return value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keeps `value` until its expiry; values already expired are not stored. */
  set(key: string, value: V): void {
    if (this.maxSize === 0 || value.expiresAt * 1000 <= Date.now()) return;
    setBounded(this.#entries, key, value, this.maxSize);
  }
}
