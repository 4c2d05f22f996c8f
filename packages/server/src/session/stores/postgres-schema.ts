import { ConfigError } from '../../config/parse.js';

/** The names of the store's three tables, from one prefix. */
export interface PostgresTables {
  sessions: string;
  claims: string;
  locks: string;
}

// An identifier is spliced into SQL, so only a plain one is accepted (no quoting, no schema:
// pick the schema with the connection's search_path).
const PREFIX = /^[a-z_][a-z0-9_]{0,40}$/;

export function tablesOf(prefix: string): PostgresTables {
  if (!PREFIX.test(prefix))
    throw new ConfigError(
      `PostgresStore tablePrefix must be lowercase letters, digits and _ (at most 41), got ${JSON.stringify(prefix)}`,
    );
  return { sessions: `${prefix}sessions`, claims: `${prefix}claims`, locks: `${prefix}locks` };
}

/**
 * The SQL that creates the store's tables, for teams that migrate by hand (run it once, then
 * open the store with `createTables: false`). The store runs the same statements on first use.
 * A session is one row: the record as JSON (`data`), the sealed tokens, and the activity fields
 * in their own columns `last_seen_at` and `expires_at`, which win over the JSON's: a refresh
 * writes `data` and `tokens`, a touch the two columns, so neither undoes the other.
 *
 * @example
 * ```ts
 * console.log(postgresSchema()) // CREATE TABLE IF NOT EXISTS gatehouse_sessions (...
 * ```
 */
export function postgresSchema(prefix = 'gatehouse_'): string {
  const { sessions, claims, locks } = tablesOf(prefix);
  return `CREATE TABLE IF NOT EXISTS ${sessions} (
  key text PRIMARY KEY,
  sub text NOT NULL,
  sid text,
  data text NOT NULL,
  tokens bytea NOT NULL,
  last_seen_at double precision NOT NULL,
  expires_at double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS ${sessions}_sub ON ${sessions} (sub);
CREATE INDEX IF NOT EXISTS ${sessions}_sid ON ${sessions} (sid) WHERE sid IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${sessions}_expires_at ON ${sessions} (expires_at);
CREATE TABLE IF NOT EXISTS ${claims} (
  id text PRIMARY KEY,
  expires_at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS ${locks} (
  name text PRIMARY KEY,
  token text NOT NULL,
  expires_at timestamptz NOT NULL
);
`;
}

/**
 * The statements the store runs when its tables are missing: the schema, in one transaction
 * (one simple query), behind a transaction-level advisory lock so that instances starting at
 * once take turns: concurrent `CREATE TABLE IF NOT EXISTS` can otherwise fail on the catalog's
 * unique index.
 */
export function createTablesSql(prefix: string): string {
  return `SELECT pg_advisory_xact_lock(hashtext('gatehouse schema ${prefix}'));\n${postgresSchema(prefix)}`;
}

/** One query telling whether all three tables exist (then nothing is created). */
export function tablesExistSql(tables: PostgresTables): string {
  return `SELECT ${Object.values(tables)
    .map((table) => `to_regclass('${table}') IS NOT NULL`)
    .join(' AND ')} AS exist`;
}
