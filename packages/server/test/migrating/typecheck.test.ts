// The guides' "after" apps compile against the workspace's packages (their TypeScript sources):
// the Express servers and the React front end with the repository's compiler settings, and the
// Next.js app as create-next-app sets it up, against the types of the Next.js version
// examples/next uses. Next is not installed in the workspace, so its package is fetched with
// `npm pack` (from the npm cache when there) and only its type declarations are unpacked; no
// `next build` (packages/server/test/next builds one Next app already).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AFTER, ROOT } from './support.js';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** create-next-app's compiler settings, and the condition that picks the workspace's sources. */
const NEXT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2017',
    lib: ['dom', 'dom.iterable', 'esnext'],
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    esModuleInterop: true,
    module: 'esnext',
    moduleResolution: 'bundler',
    customConditions: ['@gatehouse/source'],
    resolveJsonModule: true,
    isolatedModules: true,
    jsx: 'react-jsx',
    types: ['node'],
    paths: { '@/*': ['./*'] },
  },
  include: ['**/*.ts', '**/*.tsx'],
  exclude: ['node_modules'],
};

/**
 * Runs tsc in `cwd` and returns its errors in the files under `app`. Errors in the workspace's
 * packages are the root `tsc -p tsconfig.json`'s to report; a compiler error with no file
 * (a bad tsconfig) counts.
 */
async function typeErrors(cwd: string, tsconfig: string, app: string): Promise<string[]> {
  const result = await run(process.execPath, [TSC, '-p', tsconfig], { cwd }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  return result
    .split('\n')
    .filter((line) => /^error TS|: error TS/.test(line))
    .filter(
      (line) => line.startsWith('error') || resolve(cwd, line.split('(')[0]!).startsWith(app),
    );
}

let tmp = '';
let nodeApps: Promise<string[]>;
let nextApp: Promise<string[]>;

/** A copy of the Next.js "after" app with Next's type declarations and the workspace's React. */
async function nextAppCopy(): Promise<string> {
  const app = join(tmp, 'app');
  await cp(join(AFTER, 'authjs'), app, { recursive: true });
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify(NEXT_TSCONFIG, null, 2));
  const example = JSON.parse(await readFile(join(ROOT, 'examples/next/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const packed = await run(
    'npm',
    ['pack', `next@${example.dependencies.next}`, '--prefer-offline', '--silent'],
    { cwd: tmp },
  );
  const filename = packed.stdout.trim().split('\n').pop()!;
  const next = join(app, 'node_modules/next');
  await mkdir(next, { recursive: true });
  await run('tar', [
    '-xzf',
    join(tmp, filename),
    '-C',
    next,
    '--strip-components=1',
    '--wildcards',
    'package/*.d.ts',
    'package/package.json',
  ]);
  await mkdir(join(app, 'node_modules/@types'), { recursive: true });
  for (const name of ['react', '@types/react', '@types/node', '@gatehouse'])
    await symlink(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  return app;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gatehouse-migrating-'));
  // Both compilations at once: each is mostly the same workspace sources, on its own core.
  nodeApps = typeErrors(ROOT, join(AFTER, 'tsconfig.json'), AFTER);
  nextApp = nextAppCopy().then((app) => typeErrors(app, 'tsconfig.json', app));
  await Promise.allSettled([nodeApps, nextApp]);
}, 120_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the "after" apps of docs/migrating type-check against the workspace packages', () => {
  it('express-openid-connect, keycloak-connect, and the tutorial: Express backend and React app', async () => {
    expect(await nodeApps).toEqual([]);
  });

  it("Auth.js: the Next.js App Router app, with next's own types", async () => {
    expect(await nextApp).toEqual([]);
  });
});
