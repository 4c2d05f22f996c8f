import { ConfigError } from '../config/parse.js';
import { MemoryStore } from './stores/memory.js';
import { SqliteStore } from './stores/sqlite.js';
import { RedisStore } from './stores/redis.js';
import type { Logger } from 'pino';
import type { SessionStore } from './store.js';

/** A store from its SESSION_STORE spelling: `memory`, `sqlite:<path>`, or an instance. */
export function openStore(
  spec: string | SessionStore,
  label: string,
  logger: Logger,
): SessionStore {
  if (typeof spec !== 'string') return spec;
  if (spec === 'memory') return new MemoryStore();
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (!path)
      throw new ConfigError(
        `${label} needs a file path after sqlite:, e.g. sqlite:.gatehouse/sessions.db`,
      );
    return new SqliteStore(path);
  }
  if (spec.startsWith('redis://') || spec.startsWith('rediss://')) {
    return new RedisStore(spec, { logger });
  }
  throw new ConfigError(`${label} must be memory, sqlite:<path> or redis://..., got ${spec}`);
}
