// The README's Next.js snippet, as a stranger copies it into a new app: the files between the
// README's `next-snippet` markers, unchanged, in an app with what create-next-app gives (a
// tsconfig with the `@/*` alias, a root layout), @gatehouse/server installed from its `npm pack`
// tarball, no next.config (so no serverExternalPackages) and no store driver. `next build`
// must pass: Next bundles @gatehouse/server, and the root entry must not make it resolve
// better-sqlite3 or ioredis (issue 23). Then `next start` serves the snippet's routes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { env, MINUTE, mustRun, packPackages, ROOT, run } from './support.js';

/** The files of the README's snippet: each starts at a `// <path>` line, the path first. */
function snippetFiles(readme: string): Map<string, string> {
  const marked =
    /<!-- next-snippet\b[^>]*-->\s*```tsx?\n([\s\S]*?)```\s*<!-- \/next-snippet -->/.exec(readme);
  if (!marked) throw new Error('README.md has no ```ts block between the next-snippet markers');
  const files = new Map<string, string>();
  let path: string | undefined;
  for (const line of marked[1]!.split('\n')) {
    const named = /^\/\/ ((?:app|lib)\/[\w.[\]/-]+\.tsx?)(?::|$)/.exec(line);
    if (named) path = named[1]!;
    if (!path) throw new Error(`the snippet must start with a "// <path>" line, got: ${line}`);
    files.set(path, `${files.get(path) ?? ''}${line}\n`);
  }
  return new Map([...files].map(([file, text]) => [file, `${text.trim()}\n`]));
}

/** The app's dependencies at the versions examples/next uses (the npm cache has them). */
function nextDependencies(): string[] {
  const example = JSON.parse(
    readFileSync(join(ROOT, 'examples/next/package.json'), 'utf8'),
  ) as Record<'dependencies' | 'devDependencies', Record<string, string>>;
  const versions = { ...example.dependencies, ...example.devDependencies };
  return ['next', 'react', 'react-dom', 'typescript', '@types/react', '@types/node'].map(
    (name) => `${name}@${versions[name]}`,
  );
}

/** create-next-app's tsconfig, with its `@/*` path alias. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2017',
    lib: ['dom', 'dom.iterable', 'esnext'],
    allowJs: true,
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    esModuleInterop: true,
    module: 'esnext',
    moduleResolution: 'bundler',
    resolveJsonModule: true,
    isolatedModules: true,
    jsx: 'react-jsx',
    incremental: true,
    plugins: [{ name: 'next' }],
    paths: { '@/*': ['./*'] },
  },
  include: ['next-env.d.ts', '**/*.ts', '**/*.tsx', '.next/types/**/*.ts'],
  exclude: ['node_modules'],
};

const LAYOUT = `export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
`;

const NEXT_VARS = { NEXT_TELEMETRY_DISABLED: '1' };
let tmp = '';
let app = '';
const timings: string[] = [];

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  timings.push(`${step} ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gatehouse-next-snippet-'));
  app = join(tmp, 'app');
  const [server] = await timed('build and pack', () => packPackages(['packages/server'], tmp));
  const files = snippetFiles(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  for (const [path, text] of files) {
    await mkdir(dirname(join(app, path)), { recursive: true });
    await writeFile(join(app, path), text);
  }
  if (!files.has('app/layout.tsx')) await writeFile(join(app, 'app/layout.tsx'), LAYOUT);
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({ name: 'gatehouse-next-snippet', private: true, type: 'module' }),
  );
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline'];
  await timed('install', () => mustRun('npm', [...install, server!, ...nextDependencies()], app));
}, 15 * MINUTE);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (timings.length) console.info(`next-snippet: ${timings.join(', ')}`);
});

describe("the README's Next.js snippet, without serverExternalPackages or a store driver", () => {
  it('the app has the snippet, no next.config, and neither better-sqlite3 nor ioredis', () => {
    expect(existsSync(join(app, 'lib/gatehouse.ts'))).toBe(true);
    expect(existsSync(join(app, 'app/[...gatehouse]/route.ts'))).toBe(true);
    for (const config of ['next.config.ts', 'next.config.js', 'next.config.mjs'])
      expect(existsSync(join(app, config)), config).toBe(false);
    for (const driver of ['better-sqlite3', 'ioredis'])
      expect(existsSync(join(app, 'node_modules', driver)), driver).toBe(false);
  });

  it(
    'next build passes: bundling @gatehouse/server does not resolve the optional store drivers',
    async () => {
      const next = join('node_modules', 'next', 'dist', 'bin', 'next');
      const { code, stdout, stderr } = await timed('next build', () =>
        run('node', [next, 'build'], app, 10 * MINUTE, NEXT_VARS),
      );
      expect(`${stdout}\n${stderr}`).not.toContain("Can't resolve");
      expect(code, `${stdout}\n${stderr}`).toBe(0);
    },
    10 * MINUTE,
  );

  it(
    'next start serves it on the memory store: /me and the guarded route answer 401 JSON, the page renders',
    async () => {
      const port = await freePort();
      const origin = `http://localhost:${port}`;
      const child = await timed('next start', () =>
        nextStart(port, {
          OKTA_ISSUER_URL: 'https://127.0.0.1:9/oauth2/default',
          OKTA_CLIENT_ID: 'snippet',
          OKTA_CLIENT_SECRET: 'snippet-client-secret',
          BACKEND_URL: origin,
          FRONTEND_URL: origin,
          SESSION_SECRET: 'next-snippet-session-secret-'.padEnd(44, 'x'),
        }),
      );
      try {
        const me = await fetch(`${origin}/me`);
        expect(me.status).toBe(401);
        expect(await me.json()).toMatchObject({ error: 'unauthorized' });
        const guarded = await fetch(`${origin}/api/secure-data`);
        expect(guarded.status).toBe(401);
        expect(guarded.headers.get('www-authenticate')).toMatch(/^Bearer /);
        const page = await fetch(`${origin}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<a href="/login">Sign in</a>');
      } finally {
        await stop(child);
      }
    },
    2 * MINUTE,
  );
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `next start` of the built app on `port`; resolves once it answers. */
async function nextStart(port: number, vars: Record<string, string>): Promise<ChildProcess> {
  let output = '';
  const next = join('node_modules', 'next', 'dist', 'bin', 'next');
  const child = spawn('node', [next, 'start', '--port', String(port), '--hostname', 'localhost'], {
    cwd: app,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, ...NEXT_VARS, ...vars },
  });
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + MINUTE;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
    try {
      await fetch(`http://localhost:${port}/favicon.ico`);
      return child;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop(child);
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
}
