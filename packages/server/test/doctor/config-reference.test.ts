import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function reference(...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['scripts/config-reference.mjs', ...args],
      { cwd: root },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('docs/configuration.md is what npm run docs:config writes from defaults.ts, env.ts and options.ts', async () => {
  const { code, stderr } = await reference('--check');
  expect(stderr).toBe('');
  expect(code).toBe(0);
});

test('the reference holds every variable, with defaults from defaults.ts', async () => {
  const { stdout } = await reference('--stdout');
  const { ENV_NAMES, defaults } = await import('@gatehouse/server');
  for (const variable of Object.values(ENV_NAMES)) expect(stdout).toContain(`| \`${variable}\` |`);
  expect(stdout).toContain(`| \`OKTA_AUDIENCE\` | \`audience\` | \`${defaults.audience}\` |`);
  expect(stdout).toContain(
    `| \`SESSION_IDLE_TIMEOUT\` | \`idleTimeout\` | \`${defaults.idleTimeout}\` s`,
  );
  expect(stdout).not.toContain('undocumented');
});
