import type { DevIdp } from '@gatehouse/dev-idp';
import type { DoctorReport } from '@gatehouse/server/doctor';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { goodEnv, startIdp } from './support.js';

const bin = fileURLToPath(new URL('../../bin/gatehouse.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doctor-bin-'));
let idp: DevIdp;
beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `gatehouse <args>` in `dir`, with only the given environment (and PATH). */
function gatehouse(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: dir, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('gatehouse doctor reads .env like npm run serve, prints a line per check and exits 0', async () => {
  const env = goodEnv(idp.issuer);
  writeFileSync(
    join(dir, '.env'),
    Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
  );
  const { code, stdout } = await gatehouse(['doctor']);
  expect(stdout).toContain('Gatehouse doctor');
  expect(stdout).toContain(
    '  ok    client id and secret   OKTA_CLIENT_ID=doctor-client and its secret are accepted',
  );
  expect(stdout).toContain('  warn  demo values            OKTA_ISSUER_URL is on loopback');
  expect(stdout).toContain('14 ok, 1 warning, 0 errors');
  expect(code).toBe(0);
  rmSync(join(dir, '.env'));
});

test('gatehouse doctor --json exits 1 on an error, and the environment wins over .env', async () => {
  const env = goodEnv(idp.issuer);
  writeFileSync(
    join(dir, '.env'),
    Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
  );
  const { code, stdout } = await gatehouse(['doctor', '--json'], {
    OKTA_CLIENT_SECRET: 'from-the-environment',
  });
  const report = JSON.parse(stdout) as DoctorReport;
  expect(report.ok).toBe(false);
  expect(report.checks.find((item) => item.id === 'client')).toMatchObject({ status: 'error' });
  expect(code).toBe(1);
  rmSync(join(dir, '.env'));
});

test('gatehouse doctor, text and --json: a SESSION_STORE password is never printed (credential leak)', async () => {
  const password = 'Pa55-w0rd-in-the-store-url';
  const env = goodEnv(idp.issuer);
  const text = await gatehouse(['doctor'], {
    ...env,
    SESSION_STORE: ` redis://app:${password}@cache.internal:6379`,
  });
  expect(text.stdout).toContain('got " redis://app:***@cache.internal:6379"');
  const json = await gatehouse(['doctor', '--json'], {
    ...env,
    SESSION_STORE: `postgres://db.internal/sessions?user=app&password=${password}`,
  });
  const report = JSON.parse(json.stdout) as DoctorReport;
  expect(report.checks.find((item) => item.id === 'session-store')).toMatchObject({
    status: 'error',
    message: expect.stringContaining('postgres://db.internal/sessions?user=app&password=***'),
  });
  for (const { code, stdout, stderr } of [text, json]) {
    expect(stdout + stderr).not.toContain(password);
    expect(code).toBe(1);
  }
});

test('an unknown command is a usage error', async () => {
  const { code, stderr } = await gatehouse(['doctr']);
  expect(code).toBe(2);
  expect(stderr).toContain('Unknown command: doctr');
  expect(stderr).toContain('Usage: gatehouse doctor');
});
