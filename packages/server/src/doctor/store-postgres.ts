import type { SessionStore } from '../session-store.js';
import { check, type DoctorCheck } from './report.js';

/** What `PostgresStore.inspect` answers (the store is not imported: its driver is optional). */
interface Inspectable {
  inspect(): Promise<{ version: string; role: string; missing: string[] }>;
}

/**
 * For a Postgres store: the server's version and role for the ok line, or an error line when
 * that role lacks a privilege the store needs on its tables (it created them, or found them,
 * when it answered the ping). Undefined for any other store.
 */
export async function postgresCheck(
  store: SessionStore,
  setting: string,
): Promise<{ about: string } | { failure: DoctorCheck } | undefined> {
  if (typeof (store as Partial<Inspectable>).inspect !== 'function') return undefined;
  const { version, role, missing } = await (store as unknown as Inspectable).inspect();
  const about = `PostgreSQL ${version}, role ${role}`;
  if (missing.length === 0) return { about };
  const tables = [...new Set(missing.map((privilege) => privilege.split(' ')[0]))];
  return {
    failure: check(
      'session-store',
      'session store',
      'error',
      `${setting} answers (${about}), but the role lacks ${missing.join(', ')}: sign-ins would fail`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables.join(', ')} TO ${identifier(role)}`,
    ),
  };
}

function identifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
