// Issue 23, item 6: `npx gatehouse doctor` in a Next.js app. Next reads `.env.local` (and the
// files of its mode); the doctor read `.env` only, so it checked nothing the app runs with and
// said the variables were not set. It now reads the files Next reads, in Next's order, says
// which ones, and its "not set" error names them and `--env-file`.
import type { DevIdp } from '@gatehouse/dev-idp';
import type { DoctorReport } from '@gatehouse/server/doctor';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFileText, gatehouseBin, goodEnv, line, startIdp } from './support.js';

let idp: DevIdp;
const dirs: string[] = [];
beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await idp?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A folder holding `files` (name → variables), as an app's root. */
function appFolder(files: Record<string, Record<string, string | undefined>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doctor-env-'));
  dirs.push(dir);
  for (const [name, variables] of Object.entries(files))
    writeFileSync(join(dir, name), envFileText(variables));
  return dir;
}

/** The doctor's JSON report in `dir`. */
async function reportIn(dir: string, env: Record<string, string> = {}, args: string[] = []) {
  const { stdout, stderr } = await gatehouseBin(dir, ['doctor', '--json', ...args], env);
  if (!stdout) throw new Error(stderr);
  return JSON.parse(stdout) as DoctorReport;
}

/** Which file's SESSION_STORE the doctor used: each file names its own SQLite file. */
const storeOf = (report: DoctorReport) =>
  /SESSION_STORE=(\S+) answers/.exec(line(report, 'session-store').message)?.[1];

test('a Next app keeps its variables in .env.local only: the doctor reads it and says so', async () => {
  const dir = appFolder({ '.env.local': goodEnv(idp.issuer) });
  const { code, stdout } = await gatehouseBin(dir, ['doctor']);
  expect(stdout).toContain('Gatehouse doctor\nvariables from the environment, then .env.local\n');
  expect(stdout).toContain('  ok    configuration ');
  expect(stdout).toContain(
    '  ok    client id and secret   OKTA_CLIENT_ID=doctor-client and its secret are accepted',
  );
  expect(stdout).toContain(', 0 errors');
  expect(code).toBe(0);
});

test("Next's precedence: .env.$NODE_ENV.local, .env.local (not in test), .env.$NODE_ENV, .env; the environment over all", async () => {
  const dir = appFolder({
    '.env': goodEnv(idp.issuer, { SESSION_STORE: 'sqlite:env.db' }),
    '.env.development': { SESSION_STORE: 'sqlite:env-development.db' },
    '.env.local': { SESSION_STORE: 'sqlite:env-local.db' },
    '.env.development.local': { SESSION_STORE: 'sqlite:env-development-local.db' },
    '.env.test': { SESSION_STORE: 'sqlite:env-test.db' },
    '.env.production': { SESSION_STORE: 'sqlite:env-production.db' },
  });

  const development = await reportIn(dir);
  expect(development.envFiles).toEqual([
    '.env.development.local',
    '.env.local',
    '.env.development',
    '.env',
  ]);
  expect(storeOf(development)).toBe('sqlite:env-development-local.db');
  expect(line(development, 'client').status).toBe('ok');

  rmSync(join(dir, '.env.development.local'));
  expect(storeOf(await reportIn(dir))).toBe('sqlite:env-local.db');
  rmSync(join(dir, '.env.local'));
  expect(storeOf(await reportIn(dir))).toBe('sqlite:env-development.db');

  writeFileSync(join(dir, '.env.local'), envFileText({ SESSION_STORE: 'sqlite:env-local.db' }));
  const test = await reportIn(dir, { NODE_ENV: 'test' });
  expect(test.envFiles).toEqual(['.env.test', '.env']);
  expect(storeOf(test)).toBe('sqlite:env-test.db');

  const environment = await reportIn(dir, { SESSION_STORE: 'sqlite:environment.db' });
  expect(storeOf(environment)).toBe('sqlite:environment.db');
}, 60_000);

test('--env-file reads only the files it names, a later one winning, as node --env-file', async () => {
  const dir = appFolder({
    '.env.local': goodEnv(idp.issuer, { SESSION_STORE: 'sqlite:env-local.db' }),
    'staging.env': goodEnv(idp.issuer, { SESSION_STORE: 'sqlite:staging.db' }),
    'override.env': { SESSION_STORE: 'sqlite:override.db' },
  });
  const report = await reportIn(dir, {}, [
    '--env-file',
    'staging.env',
    '--env-file',
    'override.env',
  ]);
  expect(report.envFiles).toEqual(['override.env', 'staging.env']);
  expect(storeOf(report)).toBe('sqlite:override.db');
  expect(line(report, 'client').status).toBe('ok');
});

test('variables missing: the error says which env files were read and offers --env-file', async () => {
  const partial = appFolder({ '.env.local': { OKTA_ISSUER_URL: idp.issuer } });
  const { code, stdout } = await gatehouseBin(partial, ['doctor']);
  expect(stdout).toContain(
    'error configuration          not set: OKTA_CLIENT_ID, OKTA_CLIENT_SECRET, BACKEND_URL, FRONTEND_URL; variables from the environment, then .env.local\n',
  );
  expect(stdout).toContain(
    'fix: set them in the environment or in an env file here (.env.local or .env), or name the file that has them: gatehouse doctor --env-file <path> (see docs/configuration.md)',
  );
  expect(code).toBe(1);

  const empty = appFolder({});
  const none = await reportIn(empty);
  expect(none.envFiles).toEqual([]);
  expect(line(none, 'configuration').message).toBe(
    'not set: OKTA_ISSUER_URL, OKTA_CLIENT_ID, OKTA_CLIENT_SECRET, BACKEND_URL, FRONTEND_URL; variables from the environment only, no env file',
  );
});
