import { ConfigError } from '../config/parse.js';
import { StoreUnavailableError } from '../errors.js';
import type { GatehouseLogger as Logger } from '../logger.js';
import { MemoryStore } from './stores/memory.js';
import { redisTargetOf } from './stores/redis-url.js';
import type { SessionStore } from '../session-store.js';

/**
 * A store from its SESSION_STORE spelling: `memory`, `sqlite:<path>`, `redis://...` (also
 * `rediss://`, `redis-cluster://`, `redis-sentinel://`, and their `rediss-` TLS forms), or an
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
  const opening = driver
    .open(logger)
    .catch((error: unknown) => Promise.reject(unavailable(error, spec)));
  return lazyStore(opening, driver.locks, logger);
}

/**
 * {@link openStore}, waiting for the store to load and open: its failure is the rejection, a
 * {@link StoreUnavailableError} whose detail is redacted.
 */
export async function loadStore(
  spec: string | SessionStore,
  label: string,
  logger: Logger,
): Promise<SessionStore> {
  if (typeof spec !== 'string') return spec;
  if (spec === 'memory') return new MemoryStore();
  return driverOf(spec, label)
    .open(logger)
    .catch((error: unknown) => Promise.reject(unavailable(error, spec)));
}

// userinfo (RFC 3986 3.2.1) up to the last "@", with or without a scheme; and parameters that
// name a credential, in a query or a key=value connection string.
const USERINFO_PASSWORD = /((?:[a-z][a-z\d+.-]*:\/\/)?[^\s:@/]*:)([\s\S]*)@/i;
const SECRET_PARAMETER =
  /(^|[?&;,\s])([\w.-]*(?:pass|pwd|secret|token|auth|key|credential)[\w.-]*)=([^&;,\s#]*)/gi;

/**
 * A SESSION_STORE spelling with its credentials replaced by `***`: the password of a URL's
 * userinfo, and any parameter named like a password, secret, token or key. Every message, log
 * line and report that shows a store spec shows it through this.
 *
 * @example
 * ```ts
 * redactStoreSpec('redis://app:pw@cache:6379?password=pw') // 'redis://app:***@cache:6379?password=***'
 * ```
 */
export function redactStoreSpec(spec: string): string {
  // A file path carries no credential, and may hold an "@" and a ":".
  if (spec.startsWith('sqlite:')) return spec;
  return spec
    .replace(USERINFO_PASSWORD, '$1***@')
    .replace(SECRET_PARAMETER, (_, before: string, name: string) => `${before}${name}=***`);
}

/**
 * `text` (a driver's error, a log detail) with each credential of `spec` (as
 * {@link redactStoreSpec} finds them) replaced by `***` wherever it appears, as is or decoded.
 */
export function redactStoreText(text: string, spec: string): string {
  let redacted = text;
  for (const secret of credentialsOf(spec)) redacted = redacted.replaceAll(secret, '***');
  return redacted;
}

function credentialsOf(spec: string): string[] {
  if (spec.startsWith('sqlite:')) return [];
  const found = [USERINFO_PASSWORD.exec(spec)?.[2]];
  for (const match of spec.matchAll(SECRET_PARAMETER)) found.push(match[3]);
  return found
    .filter((secret): secret is string => !!secret)
    .flatMap((secret) => [secret, safeDecode(secret)]);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A store's failure to open, told without the spec's credentials (not even in a cause). */
function unavailable(error: unknown, spec: string): StoreUnavailableError {
  if (error instanceof StoreUnavailableError)
    return new StoreUnavailableError(
      error.message,
      redactStoreText(error.detail ?? error.message, spec),
    );
  const detail = redactStoreText(error instanceof Error ? error.message : String(error), spec);
  return new StoreUnavailableError('The session store is not available.', detail);
}

// The stores are loaded through the package's own entry points, which bundlers must not follow
// (the comments): an app that bundles @gatehouse/server (Next.js without serverExternalPackages)
// then builds without any store driver installed, and Node loads a store from node_modules on
// first use. From source, `--conditions=@gatehouse/source` maps them to src/ as every entry.
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
      open: async () =>
        new (
          await import(
            /* webpackIgnore: true */ /* turbopackIgnore: true */ '@gatehouse/server/stores/sqlite'
          )
        ).SqliteStore(path),
    };
  }
  if (/^rediss?(-cluster|-sentinel)?:\/\//.test(spec)) {
    try {
      redisTargetOf(spec);
    } catch (error) {
      throw new ConfigError(`${label}: ${(error as Error).message}`);
    }
    installed('ioredis', `${label}=${spec.slice(0, spec.indexOf(':'))}://...`);
    return {
      locks: true,
      open: async (logger) =>
        new (
          await import(
            /* webpackIgnore: true */ /* turbopackIgnore: true */ '@gatehouse/server/stores/redis'
          )
        ).RedisStore(spec, { logger }),
    };
  }
  if (spec.startsWith('postgres://') || spec.startsWith('postgresql://')) {
    installed('pg', `${label}=postgres://...`);
    return {
      locks: true,
      open: async (logger) =>
        new (
          await import(
            /* webpackIgnore: true */ /* turbopackIgnore: true */ '@gatehouse/server/stores/postgres'
          )
        ).PostgresStore(spec, { logger }),
    };
  }
  // Quoted, so that a stray space shows.
  throw new ConfigError(
    `${label} must be memory, sqlite:<path>, redis://..., rediss://..., redis-cluster://..., redis-sentinel://... or postgres://..., got ${JSON.stringify(redactStoreSpec(spec))}`,
  );
}

/** Throws unless `name` resolves from here (a check of the install, the module is not loaded). */
function installed(name: string, setting: string): void {
  try {
    // Node's own createRequire, out of a bundler's sight: Turbopack replaces a `require.resolve`
    // it cannot resolve at build time with a throw, and the driver is looked up at run time.
    process
      .getBuiltinModule('node:module')
      .createRequire(import.meta.url)
      .resolve(name);
  } catch {
    throw new ConfigError(`${setting} needs ${name}: npm install ${name}`);
  }
}

/**
 * A store that forwards to the one `opening` resolves to: the driver loads in the background
 * from startup, the first calls wait for it, and if it fails every call is a 503.
 */
function lazyStore(opening: Promise<SessionStore>, locks: boolean, logger: Logger): SessionStore {
  const ready = opening.catch((error: StoreUnavailableError) => {
    logger.error({ detail: error.detail }, 'session store: cannot be opened');
    return Promise.reject(error);
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
