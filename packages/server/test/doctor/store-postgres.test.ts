import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sessionStoreCheck } from '../../src/doctor/store.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';

const APP_PASSWORD = 'app-role-password-9';

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
  await postgres.query(`CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}'`);
  await postgres.query('CREATE DATABASE empty');
});
afterAll(async () => {
  await postgres?.close();
});

const asApp = (database: string) =>
  postgres.url
    .replace(`postgres:${postgres.password}@`, `app:${APP_PASSWORD}@`)
    .replace(/\/postgres$/, `/${database}`);

describe('gatehouse doctor on a Postgres store', () => {
  test('reachable, tables there, every privilege: an ok line with the server version and role, no password', async () => {
    const result = await sessionStoreCheck(postgres.url, true, 5);
    expect(result.status).toBe('ok');
    expect(result.message).toMatch(/answers \(PostgreSQL \d+\.\d+[^,]*, role postgres\)$/);
    expect(result.message).toContain('postgres://postgres:***@127.0.0.1');
    expect(JSON.stringify(result)).not.toContain(postgres.password);
  });

  test('a role that cannot write the tables: an error naming each missing privilege and the GRANT that fixes it', async () => {
    await sessionStoreCheck(postgres.url, true, 5); // the tables exist, made by the owner
    await postgres.query('GRANT SELECT ON gatehouse_sessions TO app');
    const result = await sessionStoreCheck(asApp('postgres'), true, 5);
    expect(result.status).toBe('error');
    expect(result.message).toContain('role lacks gatehouse_sessions INSERT');
    expect(result.message).toContain('gatehouse_locks DELETE');
    expect(result.message).not.toContain('gatehouse_sessions SELECT');
    expect(result.fix).toBe(
      'GRANT SELECT, INSERT, UPDATE, DELETE ON gatehouse_sessions, gatehouse_claims, gatehouse_locks TO app',
    );
    expect(JSON.stringify(result)).not.toContain(APP_PASSWORD);
  });

  test('a role that may not create the missing tables: an error saying how to create them', async () => {
    const result = await sessionStoreCheck(asApp('empty'), true, 5);
    expect(result.status).toBe('error');
    expect(result.message).toContain('cannot create the tables gatehouse_sessions');
    expect(result.message).toContain('permission denied for schema public');
    expect(result.message).toContain('postgresSchema()');
    expect(JSON.stringify(result)).not.toContain(APP_PASSWORD);
  });

  test('a wrong password: an error line that does not print it', async () => {
    const wrong = asApp('postgres').replace(APP_PASSWORD, 'not-the-password-7');
    const result = await sessionStoreCheck(wrong, true, 5);
    expect(result.status).toBe('error');
    expect(result.message).toContain('password authentication failed for user "app"');
    expect(JSON.stringify(result)).not.toContain('not-the-password-7');
  });
});
