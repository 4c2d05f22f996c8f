// `@gatehouse/dev-idp` as an app's tests and CI get it: publishable (not private), installed
// from its tarball, and `npx gatehouse-dev-idp --config` serving the users and clients of a file.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { env, MINUTE, mustRun, packPackages, run } from './support.js';

let tmp = '';
let app = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gatehouse-dev-idp-npx-'));
  app = join(tmp, 'app');
  const [tarball] = await packPackages(['packages/dev-idp'], tmp);
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball!], app);
  await writeFile(
    join(app, 'dev-idp.json'),
    JSON.stringify({
      users: [
        {
          ...{ id: '00u3kim', email: 'kim@example.com', password: 'kim-test-password' },
          ...{ name: 'Kim Lee', given_name: 'Kim', family_name: 'Lee', groups: ['testers'] },
        },
      ],
      clients: [
        {
          client_id: 'ci-app',
          client_secret: 'ci-app-test-secret',
          redirect_uris: ['http://localhost:3000/signin-oidc'],
        },
      ],
    }),
  );
}, 10 * MINUTE);
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it('@gatehouse/dev-idp is publishable: its manifest is not private', () => {
  const manifest = readFileSync(join(app, 'node_modules/@gatehouse/dev-idp/package.json'), 'utf8');
  expect(JSON.parse(manifest)).not.toHaveProperty('private');
});

it(
  'npx gatehouse-dev-idp --config serves the file’s users and clients from the tarball',
  async () => {
    const args = ['gatehouse-dev-idp', '--config', 'dev-idp.json', '--port', '0'];
    // Its own process group, so the provider under npx stops with it.
    const child = spawn('npx', [...args, '--keys-file', join(tmp, 'keys.json')], {
      cwd: app,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk;
          if (/users +kim@example\.com/.test(output)) resolve();
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk));
        child.once('exit', (code) =>
          reject(new Error(`exited ${code} before its banner:\n${output}`)),
        );
      });
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
    expect(output).toContain('ci-app / ci-app-test-secret');
    expect(output).toContain('kim@example.com / kim-test-password');
    expect(output).not.toContain('gatehouse-demo');
  },
  MINUTE,
);

it(
  'npx gatehouse-dev-idp --config with a bad file exits 2 and names the field',
  async () => {
    await writeFile(join(app, 'bad.json'), JSON.stringify({ users: [{ id: 'x' }] }));
    const { code, stderr } = await run(
      'npx',
      ['gatehouse-dev-idp', '--config', 'bad.json'],
      app,
      MINUTE,
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--config bad.json: users[0].email must be a non-empty string');
  },
  MINUTE,
);
