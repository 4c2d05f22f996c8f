import { ConfigError } from '../config/parse.js';
import { MemoryStore } from './stores/memory.js';
import { SqliteStore } from './stores/sqlite.js';
import type { SessionStore } from './store.js';

/** A store from its SESSION_STORE spelling: `memory`, `sqlite:<path>`, or an instance. */
export function openStore(spec: string | SessionStore, label: string): SessionStore {
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
    throw new ConfigError(
      `${label}: the Redis store is not available in this version yet; use memory or sqlite:<path>`,
    );
  }
  throw new ConfigError(`${label} must be memory, sqlite:<path> or redis://..., got ${spec}`);
}
