// `gatehouse-dev-idp` as a user runs it: where it keeps its keys, what it refuses, and the
// opt-in that makes it start anyway.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { writeFile } from 'node:fs/promises';
import { UNSAFE_ALLOW_REMOTE_ENV, type DevIdp } from '../src/index.js';
import { signIn } from '../src/testing.js';
import { authorizationRequest, discover, REDIRECT_URI } from './support.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

let dir: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-dev-idp-cli-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  /** The exit code, or `started` once the banner names the issuer. */
  outcome: number | 'started';
  /** What it printed so far (still growing while it runs). */
  stdout: string;
  stderr: string;
  child: ChildProcess;
}

/** Runs the CLI in `cwd` (no INIT_CWD, as `npx` outside npm would) until it exits or starts. */
function run(args: string[], env: Record<string, string> = {}, cwd = dir): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['--conditions=@gatehouse/source', '--import', tsx, CLI, '--port', '0', ...args],
    { cwd, env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  const result: Run = { outcome: -1, stdout: '', stderr: '', child };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no exit, no banner:\n${result.stdout}${result.stderr}`)),
      15_000,
    );
    const done = (outcome: Run['outcome']) => {
      clearTimeout(timer);
      result.outcome = outcome;
      resolve(result);
    };
    child.stdout!.on('data', (chunk) => {
      result.stdout += chunk;
      if (/issuer +http/.test(result.stdout) && /users +/.test(result.stdout)) done('started');
    });
    child.stderr!.on('data', (chunk) => (result.stderr += chunk));
    child.once('exit', (code) => done(code ?? -1));
  });
}

async function stop(started: Run): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  await exited;
}

describe('gatehouse-dev-idp', () => {
  it('on localhost it needs no configuration (npm start): the published demo values, keys in .gatehouse/ of the working directory, never inside the package (node_modules once installed)', async () => {
    const cwd = await mkdtemp(join(dir, 'project-'));
    const started = await run([], {}, cwd);
    try {
      expect(started.outcome, started.stderr).toBe('started');
      expect(started.stdout).toContain('gatehouse-demo / gatehouse-demo-secret');
      expect(started.stdout).toContain('ada@example.com / ada-dev-password');
      expect(started.stderr).not.toContain('UNSAFE');
    } finally {
      await stop(started);
    }
    const keysFile = join(cwd, '.gatehouse', 'dev-idp-keys.json');
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    expect(relative(PACKAGE_DIR, keysFile)).toMatch(/^\.\./);
    expect(existsSync(join(PACKAGE_DIR, '.gatehouse'))).toBe(false);
  });

  it('refuses NODE_ENV=production with exit 2 and names --unsafe-allow-remote', async () => {
    const refused = await run([], { NODE_ENV: 'production' });
    expect(refused.outcome).toBe(2);
    expect(refused.stderr).toContain('refusing to start with NODE_ENV=production');
    expect(refused.stderr).toContain('--unsafe-allow-remote');
    expect(refused.stdout).toBe('');
  });

  it('refuses --host 0.0.0.0 (the network could sign in as its users) with exit 2', async () => {
    const refused = await run(['--host', '0.0.0.0']);
    expect(refused.outcome).toBe(2);
    expect(refused.stderr).toContain('host "0.0.0.0", which is not loopback');
    expect(refused.stderr).toContain(`${UNSAFE_ALLOW_REMOTE_ENV}=1`);
  });

  it.each([
    ['--unsafe-allow-remote', ['--unsafe-allow-remote'], {}],
    [`${UNSAFE_ALLOW_REMOTE_ENV}=1`, [], { [UNSAFE_ALLOW_REMOTE_ENV]: '1' }],
  ])(
    'with %s it starts on 0.0.0.0, warns loudly, and prints generated secrets, not the published ones',
    async (_, args, env) => {
      const keysDir = join(dir, `unsafe-${args.length}`);
      const started = await run(
        ['--host', '0.0.0.0', '--keys-file', join(keysDir, 'keys.json'), ...args],
        env,
      );
      try {
        expect(started.outcome, started.stderr).toBe('started');
        expect(started.stdout).toMatch(/gatehouse-demo \/ [\w-]{32}\n/);
        for (const published of [
          'gatehouse-demo-secret',
          'gatehouse-cli-secret',
          'ada-dev-password',
        ]) {
          expect(started.stdout).not.toContain(published);
        }
        await new Promise((resolve) => setTimeout(resolve, 200)); // the warning is on the next tick
        expect(started.stderr).toMatch(/UNSAFE: the Gatehouse dev IdP runs with host "0\.0\.0\.0"/);
        expect(started.stderr.match(/UNSAFE:/g)).toHaveLength(1);
      } finally {
        await stop(started);
      }
      // --keys-file: where it says, the acme tenant's keys beside it
      expect((await readdir(keysDir)).sort()).toEqual(['keys-acme.json', 'keys.json']);
    },
  );

  it('an unreadable opt-in value is an error, not a guess', async () => {
    const refused = await run([], { [UNSAFE_ALLOW_REMOTE_ENV]: 'please' });
    expect(refused.outcome).toBe(2);
    expect(refused.stderr).toContain(`${UNSAFE_ALLOW_REMOTE_ENV} must be 1 or true`);
  });
});

describe('gatehouse-dev-idp --config', () => {
  const KIM = {
    id: '00u3kim',
    email: 'kim@example.com',
    password: 'kim-test-password',
    name: 'Kim Lee',
    given_name: 'Kim',
    family_name: 'Lee',
    groups: ['Everyone', 'testers'],
  };
  const CI_APP = {
    client_id: 'ci-app',
    client_secret: 'ci-app-test-secret',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [REDIRECT_URI],
  };

  /** Writes `content` (JSON unless a string) to a new file, and returns its path. */
  async function configFile(content: unknown): Promise<string> {
    const file = join(await mkdtemp(join(dir, 'config-')), 'dev-idp.json');
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it("serves the file's users and clients: its user signs in to its client, the demo's are gone", async () => {
    const file = await configFile({ users: [KIM], clients: [CI_APP] });
    const keys = join(dir, 'config-keys.json');
    const started = await run(['--config', file, '--keys-file', keys]);
    try {
      expect(started.outcome, started.stderr).toBe('started');
      expect(started.stdout).toContain('ci-app / ci-app-test-secret');
      expect(started.stdout).toContain('kim@example.com / kim-test-password');
      expect(started.stdout).not.toContain('ada@example.com');
      expect(started.stdout).not.toContain('gatehouse-demo');

      const issuer = /issuer +(\S+)/.exec(started.stdout)![1]!;
      const config = await discover({ issuer } as DevIdp, 'ci-app', 'ci-app-test-secret');
      const { url, checks } = await authorizationRequest(config);
      const callback = await signIn(url, { email: KIM.email, password: KIM.password });
      const tokens = await client.authorizationCodeGrant(config, new URL(callback), checks);
      expect(tokens.claims()).toMatchObject({ sub: '00u3kim', groups: ['Everyone', 'testers'] });
    } finally {
      await stop(started);
    }
  });

  it('with users only, the demo clients stay: the file replaces what it names', async () => {
    const file = await configFile({ users: [KIM] });
    const started = await run(['--config', file, '--keys-file', join(dir, 'users-keys.json')]);
    try {
      expect(started.outcome, started.stderr).toBe('started');
      expect(started.stdout).toContain('gatehouse-demo / gatehouse-demo-secret');
      expect(started.stdout).toContain('kim@example.com / kim-test-password');
    } finally {
      await stop(started);
    }
  });

  it.each([
    ['a file that is missing', null, ': cannot read it (ENOENT)'],
    ['a file that is not JSON', '{ users: [', ' is not valid JSON: '],
    ['a list instead of an object', [KIM], ' must be a JSON object with "users" and/or "clients"'],
    ['a misspelt key', { user: [KIM] }, ': unknown key "user" (expected "users" and/or "clients")'],
    [
      'a user without an email',
      { users: [{ ...KIM, email: '' }] },
      ': users[0].email must be a non-empty string',
    ],
    [
      'two users with one email',
      { users: [KIM, { ...KIM, id: '00u4kim' }] },
      ': users[1] repeats email:kim@example.com',
    ],
    [
      'a client without client_id',
      { clients: [{ client_secret: 'x' }] },
      ': clients[0].client_id must be a non-empty string',
    ],
    [
      'two clients with one id',
      { clients: [CI_APP, CI_APP] },
      ': clients[1] repeats client_id ci-app',
    ],
    [
      'redirect_uris as a string',
      { clients: [{ ...CI_APP, redirect_uris: REDIRECT_URI }] },
      ': clients[0].redirect_uris must be an array of strings',
    ],
  ])(
    'refuses %s with exit 2 and a message naming the file and the field',
    async (_, content, message) => {
      const file = content === null ? join(dir, 'no-such-dev-idp.json') : await configFile(content);
      const refused = await run(['--config', file]);
      expect(refused.outcome).toBe(2);
      expect(refused.stderr).toContain(`--config ${file}${message}`);
      expect(refused.stdout).toBe('');
    },
  );

  it('a config file does not lift the loopback rule: --host 0.0.0.0 is still refused (exit 2)', async () => {
    const file = await configFile({ users: [KIM], clients: [CI_APP] });
    const refused = await run(['--config', file, '--host', '0.0.0.0']);
    expect(refused.outcome).toBe(2);
    expect(refused.stderr).toContain('host "0.0.0.0", which is not loopback');
    expect(refused.stdout).toBe('');
  });

  it('refuses a client oidc-provider would refuse at sign-in, at startup instead (exit 2)', async () => {
    const file = await configFile({ clients: [{ ...CI_APP, redirect_uris: ['not a url'] }] });
    const refused = await run(['--config', file, '--keys-file', join(dir, 'bad-client-keys.json')]);
    expect(refused.outcome).toBe(2);
    expect(refused.stderr).toContain(
      'startDevIdp: client ci-app: redirect_uris must only contain valid uris',
    );
  });
});
