import { createRequire } from 'node:module';
import { ConfigError } from '../config/parse.js';
import { StoreUnavailableError } from '../errors.js';
import type { GatehouseLogger as Logger } from '../logger.js';
import { MemoryStore } from './stores/memory.js';
import type { SessionStore } from './store.js';

/**
 * A store from its SESSION_STORE spelling: `memory`, `sqlite:<path>`, `redis://...`, or an
 * instance. SQLite and Redis need their driver (better-sqlite3, ioredis: optional peers), which
 * only they load, on first use: an app on memory installs no native module. A driver that is
 * not installed is a {@link ConfigError} now, at startup; one that fails to load or open (a
 * broken native build, a path that cannot be written) makes every store call a 503.
 */
export function openStore(
  spec: string | SessionStore,
  label: string,
  logger: Logger,
): SessionStore {
  if (typeof spec !== 'string') return spec;
  if (spec === 'memory') return new MemoryStore();
  const driver = driverOf(spec, label);
  return lazyStore(driver.open(logger), driver.locks, logger);
}

/** {@link openStore}, waiting for the store to load and open: its failure is the rejection. */
export async function loadStore(
  spec: string | SessionStore,
  label: string,
  logger: Logger,
): Promise<SessionStore> {
  if (typeof spec !== 'string') return spec;
  if (spec === 'memory') return new MemoryStore();
  return driverOf(spec, label).open(logger);
}

interface Driver {
  /** Whether the store shares locks between instances (SessionStore.lock). */
  locks: boolean;
  open(logger: Logger): Promise<SessionStore>;
}

function driverOf(spec: string, label: string): Driver {
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (!path)
      throw new ConfigError(
        `${label} needs a file path after sqlite:, e.g. sqlite:.gatehouse/sessions.db`,
      );
    installed('better-sqlite3', `${label}=sqlite:...`);
    return {
      locks: false,
      open: async () => new (await import('./stores/sqlite.js')).SqliteStore(path),
    };
  }
  if (spec.startsWith('redis://') || spec.startsWith('rediss://')) {
    installed('ioredis', `${label}=redis://...`);
    return {
      locks: true,
      open: async (logger) => new (await import('./stores/redis.js')).RedisStore(spec, { logger }),
    };
  }
  throw new ConfigError(`${label} must be memory, sqlite:<path> or redis://..., got ${spec}`);
}

/** Throws unless `name` resolves from here (a check of the install, the module is not loaded). */
function installed(name: string, setting: string): void {
  try {
    createRequire(import.meta.url).resolve(name);
  } catch {
    throw new ConfigError(`${setting} needs ${name}: npm install ${name}`);
  }
}

/**
 * A store that forwards to the one `opening` resolves to: the driver loads in the background
 * from startup, the first calls wait for it, and if it fails every call is a 503.
 */
function lazyStore(opening: Promise<SessionStore>, locks: boolean, logger: Logger): SessionStore {
  const ready = opening.catch((error: unknown) => {
    const detail = error instanceof Error ? error.message : String(error);
    logger.error({ detail }, 'session store: cannot be opened');
    return Promise.reject(
      error instanceof StoreUnavailableError
        ? error
        : new StoreUnavailableError('The session store is not available.', detail, {
            cause: error,
          }),
    );
  });
  ready.catch(() => {}); // reported above; each call rejects with it
  const store: SessionStore = {
    get: async (key) => (await ready).get(key),
    create: async (key, record) => (await ready).create(key, record),
    update: async (key, record, ifTokens) => (await ready).update(key, record, ifTokens),
    touch: async (key, lastSeenAt, expiresAt) => (await ready).touch(key, lastSeenAt, expiresAt),
    delete: async (key) => (await ready).delete(key),
    listBySubject: async (sub) => (await ready).listBySubject(sub),
    listBySid: async (sid) => (await ready).listBySid(sid),
    claimOnce: async (id, expiresAt) => (await ready).claimOnce(id, expiresAt),
    count: async () => (await (await ready).count?.()) ?? 0,
    sample: async (limit) => (await (await ready).sample?.(limit)) ?? [],
    ping: async () => (await ready).ping?.(),
    close: async () => (await ready.catch(() => undefined))?.close(),
  };
  if (locks) store.lock = async (name, ttlMs) => (await ready).lock?.(name, ttlMs);
  return store;
}
