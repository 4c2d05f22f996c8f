import type { PostgresTables } from './postgres-schema.js';

/**
 * The store's statements, named so that each connection prepares them once. Each write of a
 * session announces its key on the change feed's channel, its last parameter, in the same
 * statement: `pg_notify` sends at commit, and only for a row the write changed.
 */
export function statements({ sessions, claims, locks }: PostgresTables) {
  const columns = 'key, data, tokens, last_seen_at, expires_at';
  const named = (name: string, text: string) => ({ name: `${sessions}_${name}`, text });
  const announced = (write: string, channel: number) =>
    `WITH written AS (${write} RETURNING key) SELECT pg_notify($${channel}, key) FROM written`;
  return {
    get: named('get', `SELECT ${columns} FROM ${sessions} WHERE key = $1 AND expires_at > $2`),
    create: named(
      'create',
      announced(
        `INSERT INTO ${sessions} (key, sub, sid, data, tokens, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (key) DO UPDATE SET sub = $2, sid = $3, data = $4, tokens = $5,
           last_seen_at = $6, expires_at = $7`,
        8,
      ),
    ),
    // One statement each, so atomic: a refresh writes everything but the activity columns, and
    // only while the row is live (and its tokens are `ifTokens`); a touch only those columns.
    update: named(
      'update',
      announced(
        `UPDATE ${sessions} SET sub = $2, sid = $3, data = $4, tokens = $5
         WHERE key = $1 AND expires_at > $6 AND ($7::bytea IS NULL OR tokens = $7)`,
        8,
      ),
    ),
    touch: named(
      'touch',
      announced(
        `UPDATE ${sessions} SET last_seen_at = $2, expires_at = $3
         WHERE key = $1 AND expires_at > $4`,
        5,
      ),
    ),
    delete: named('delete', announced(`DELETE FROM ${sessions} WHERE key = $1`, 2)),
    notify: named('notify', 'SELECT pg_notify($1, $2)'),
    bySub: named('by_sub', `SELECT ${columns} FROM ${sessions} WHERE sub = $1 AND expires_at > $2`),
    bySid: named('by_sid', `SELECT ${columns} FROM ${sessions} WHERE sid = $1 AND expires_at > $2`),
    // An id seen before counts again only once its claim expired (the sweep may lag).
    claim: named(
      'claim',
      `INSERT INTO ${claims} (id, expires_at) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at
       WHERE ${claims}.expires_at <= $3`,
    ),
    lock: named(
      'lock',
      `INSERT INTO ${locks} (name, token, expires_at)
       VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
       WHERE ${locks}.expires_at <= clock_timestamp()`,
    ),
    unlock: named('unlock', `DELETE FROM ${locks} WHERE name = $1 AND token = $2`),
    count: named('count', `SELECT count(*)::int AS n FROM ${sessions} WHERE expires_at > $1`),
    sample: named('sample', `SELECT ${columns} FROM ${sessions} WHERE expires_at > $1 LIMIT $2`),
    inspect: named(
      'inspect',
      `SELECT current_setting('server_version') AS version, current_user AS role,
         ARRAY(SELECT t || ' ' || p FROM unnest($1::text[]) t,
           unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
           WHERE NOT has_table_privilege(t, p)) AS missing`,
    ),
    sweep: named(
      'sweep',
      `WITH gone AS (DELETE FROM ${sessions} WHERE expires_at <= $1),
         claimed AS (DELETE FROM ${claims} WHERE expires_at <= $2)
       DELETE FROM ${locks} WHERE expires_at <= clock_timestamp()`,
    ),
  };
}
