import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** A session hash's fields, in this order: `d`, `t`, `a`, `e`. */
export const FIELDS = ['d', 't', 'a', 'e'] as const;
export type Fields = (Buffer | null)[];

interface PendingRead {
  key: string;
  resolve(fields: Fields): void;
  reject(error: unknown): void;
}

/**
 * Session reads on one server. The reads asked for in one turn of the event loop (the requests
 * of one batch of sockets) go to Redis as one pipeline: one write and, usually, one read for all
 * of them, instead of a pair of system calls each. Each is still its own round trip to Redis,
 * made after the request arrived. (A cluster's client pipelines per node on its own.)
 */
export class ReadBatch {
  readonly #redis: Redis;
  #reads: PendingRead[] = [];

  constructor(redis: RedisClient) {
    this.#redis = redis as Redis;
  }

  read(key: string): Promise<Fields> {
    return new Promise((resolve, reject) => {
      if (this.#reads.push({ key, resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const reads = this.#reads;
    this.#reads = [];
    if (reads.length === 1) {
      const [{ key, resolve, reject }] = reads as [PendingRead];
      this.#redis.hmgetBuffer(key, ...FIELDS).then(resolve, reject);
      return;
    }
    const pipeline = this.#redis.pipeline();
    for (const { key } of reads) pipeline.hmgetBuffer(key, ...FIELDS);
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
}
