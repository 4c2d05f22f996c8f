// Installs the packages the way a stranger gets them: each package is built with its own
// `npm run build` and packed with `npm pack`, the tarballs go into a fresh project outside the
// workspace with only what a user adds, and every entry of every `exports` map is imported by
// Node and type-checked under `nodenext` and `bundler` resolution.
//
// The builds run on a copy of the packages, so the working tree gets no dist/ (the server's
// bin and the demo prefer dist/ over src/ when it exists, and a stale one would mislead them).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['packages/server', 'packages/react', 'packages/dev-idp'];
/** What every project using the packages with TypeScript adds, whatever the package. */
const USER_ADDS = ['typescript', '@types/node'];
/** What a user of a package adds next to its peers (a React app renders with react-dom). */
const USER_ADDS_WITH: Record<string, string[]> = { react: ['react-dom'] };
const MINUTE = 60_000;
/** Optional peers an entry point needs though not named after them: a store's driver. */
const ENTRY_PEERS: Record<string, string[]> = {
  './stores/sqlite': ['better-sqlite3'],
  './stores/redis': ['ioredis'],
};

interface Manifest {
  name: string;
  types?: string;
  exports: Record<string, Record<string, string>>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const rootManifest = readJson<Manifest>(join(ROOT, 'package.json'));
const manifests = PACKAGES.map((dir) => readJson<Manifest>(join(ROOT, dir, 'package.json')));

/** Every entry point: `@gatehouse/server/fastify` for the `./fastify` key of the server. */
const entries = manifests.flatMap((manifest) =>
  Object.entries(manifest.exports).map(([key, conditions]) => ({
    manifest,
    key,
    conditions,
    specifier: key === '.' ? manifest.name : `${manifest.name}${key.slice(1)}`,
  })),
);

/** The version range the workspace already uses for `name` (so the npm cache has it). */
function rangeOf(name: string): string {
  for (const m of [...manifests, rootManifest]) {
    const range = m.peerDependencies?.[name] ?? m.devDependencies?.[name];
    if (range) return range;
  }
  return 'latest';
}

/**
 * What a user installs next to the tarballs: the packages' required peers; an optional peer
 * when an entry point is named after it (`./fastify` needs fastify) or needs it
 * ({@link ENTRY_PEERS}); for each of those the
 * `@types/` package the workspace uses for it; and TypeScript with the Node types.
 */
function userDependencies(): string[] {
  const peers = new Set<string>();
  for (const m of manifests) {
    for (const peer of Object.keys(m.peerDependencies ?? {})) {
      const optional = m.peerDependenciesMeta?.[peer]?.optional;
      const needed = Object.keys(m.exports).some(
        (key) => key === `./${peer}` || ENTRY_PEERS[key]?.includes(peer),
      );
      if (!optional || needed) peers.add(peer);
    }
  }
  const names = new Set([...peers].flatMap((p) => [p, ...(USER_ADDS_WITH[p] ?? [])]));
  const typed = new Set(
    [...manifests, rootManifest].flatMap((m) => Object.keys(m.devDependencies ?? {})),
  );
  for (const name of [...names]) {
    const types = `@types/${name.replace(/^@(.*)\//, '$1__')}`;
    if (typed.has(types)) names.add(types);
  }
  for (const name of USER_ADDS) names.add(name);
  return [...names].map((name) => `${name}@${rangeOf(name)}`);
}

/** npm's own variables from an outer `npm test` would point the inner npm at the workspace. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig|cafile)$/i.test(key),
  ),
);

function run(cmd: string, args: string[], cwd: string, timeout = 5 * MINUTE) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

async function mustRun(cmd: string, args: string[], cwd: string) {
  const result = await run(cmd, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

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
  tmp = await mkdtemp(join(tmpdir(), 'gatehouse-pack-'));
  const repo = join(tmp, 'repo');
  const tarballs = join(tmp, 'tarballs');
  app = join(tmp, 'app');

  // A copy of the packages that builds against the workspace's node_modules.
  await mkdir(tarballs);
  await mkdir(app);
  await cp(join(ROOT, 'tsconfig.base.json'), join(repo, 'tsconfig.base.json'));
  await symlink(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  for (const dir of PACKAGES) {
    await cp(join(ROOT, dir), join(repo, dir), {
      recursive: true,
      filter: (source) =>
        !/^(node_modules|dist|test)(\/|$)/.test(relative(join(ROOT, dir), source)),
    });
  }
  await timed('build', () =>
    Promise.all(PACKAGES.map((dir) => mustRun('npm', ['run', 'build'], join(repo, dir)))),
  );
  const packed = await timed('pack', () =>
    Promise.all(
      PACKAGES.map(async (dir) => {
        const args = ['pack', '--json', '--pack-destination', tarballs];
        const { stdout } = await mustRun('npm', args, join(repo, dir));
        return join(tarballs, (JSON.parse(stdout) as [{ filename: string }])[0].filename);
      }),
    ),
  );

  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'gatehouse-stranger',
      private: true,
      type: 'module',
      // better-sqlite3 opens its native addon only with a database; compiling it (minutes
      // without a prebuilt binary) is not what this test is about.
      allowScripts: { 'better-sqlite3': false },
    }),
  );
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline'];
  await timed('install', () => mustRun('npm', [...install, ...packed, ...userDependencies()], app));

  // One file per entry point, type-checked by each resolution mode.
  const files = entries.map((e, i) => {
    const file = `entry-${i}.ts`;
    const source = `import * as entry from '${e.specifier}';\nexport const names: string[] = Object.keys(entry);\n`;
    return { file, source };
  });
  for (const mode of ['nodenext', 'bundler'] as const) {
    const dir = join(app, mode);
    await mkdir(dir);
    for (const { file, source } of files) await writeFile(join(dir, file), source);
    const compilerOptions = {
      module: mode === 'nodenext' ? 'nodenext' : 'preserve',
      moduleResolution: mode,
      target: 'es2022',
      lib: mode === 'nodenext' ? ['es2023'] : ['es2023', 'dom', 'dom.iterable'],
      types: ['node'],
      strict: true,
      noEmit: true,
      // The packages' .d.ts files are checked too: a type they import must resolve for a user.
      skipLibCheck: false,
    };
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, include: ['*.ts'] }),
    );
  }
}, 15 * MINUTE);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (timings.length) console.info(`pack-install: ${timings.join(', ')}`);
});

describe.concurrent('packages as a stranger installs them', () => {
  it.each(entries.map((e) => [e.specifier, e] as const))(
    '%s: its exports entry is { @gatehouse/source, types, default }, all shipped',
    (_, { manifest, key, conditions }) => {
      expect(Object.keys(conditions)).toEqual(['@gatehouse/source', 'types', 'default']);
      expect(conditions.types).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      expect(conditions.default).toBe(conditions.types!.replace(/\.d\.ts$/, '.js'));
      if (key === '.') expect(manifest.types).toBe(conditions.types);
      const installed = join(app, 'node_modules', manifest.name);
      for (const target of Object.values(conditions)) {
        expect(existsSync(join(installed, target)), `${target} in the tarball`).toBe(true);
      }
    },
  );

  it.each(entries.map((e) => [e.specifier, e] as const))(
    '%s: Node imports it',
    async (specifier) => {
      const script = `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length);`;
      const { code, stdout, stderr } = await run(
        'node',
        ['--input-type=module', '-e', script],
        app,
        MINUTE,
      );
      expect(code, stderr).toBe(0);
      expect(Number(stdout)).toBeGreaterThan(0);
    },
    MINUTE,
  );

  it.each(manifests.flatMap((m) => Object.keys(m.bin ?? {})).map((name) => [name]))(
    '%s: its bin runs from the installed package (--help)',
    async (name) => {
      const bin = join(app, 'node_modules', '.bin', name);
      const { code, stdout, stderr } = await run(bin, ['--help'], app, MINUTE);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^Usage: /);
    },
    MINUTE,
  );

  it.each(
    entries.filter((e) => e.manifest.peerDependencies?.react).map((e) => [e.specifier, e] as const),
  )(
    '%s: its module starts with "use client", for React Server Components',
    async (_, { manifest, conditions }) => {
      const code = await readFile(
        join(app, 'node_modules', manifest.name, conditions.default!),
        'utf8',
      );
      expect(code).toMatch(/^(['"])use client\1;?\n/);
    },
  );

  it.each(['nodenext', 'bundler'])(
    'every entry type-checks under moduleResolution %s',
    async (mode) => {
      const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
      const { stdout, stderr } = await run('node', [tsc, '-p', join(app, mode)], app, 2 * MINUTE);
      expect(stderr).toBe('');
      expect(ownErrors(stdout)).toEqual([]);
    },
    2 * MINUTE,
  );
});

/**
 * The errors of `tsc` output in the entry files and in the packages' own .d.ts files. Other
 * libraries' types are checked too, but their quarrels among themselves (a newer
 * content-disposition against @types/koa, say) are not the packages' to fix.
 */
function ownErrors(output: string): string[] {
  const errors = output.split(/\n(?=\S)/).filter((e) => e.trim());
  return errors.filter(
    (e) => !e.startsWith('node_modules/') || e.startsWith('node_modules/@gatehouse/'),
  );
}
