// Installs the packages the way a stranger gets them: each package is built with its own
// `npm run build` and packed with `npm pack`, the tarballs go into a fresh project outside the
// workspace with only what a user adds, and every entry of every `exports` map is imported by
// Node and type-checked under `nodenext` and `bundler` resolution.
//
// The builds run on a copy of the packages, so the working tree gets no dist/ (the server's
// bin and the demo prefer dist/ over src/ when it exists, and a stale one would mislead them).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, mustRun, packPackages, ROOT, run } from './support.js';

const PACKAGES = ['packages/server', 'packages/react', 'packages/dev-idp'];
/** What every project using the packages with TypeScript adds, whatever the package. */
const USER_ADDS = ['typescript', '@types/node'];
/** What a user of a package adds next to its peers (a React app renders with react-dom). */
const USER_ADDS_WITH: Record<string, string[]> = { react: ['react-dom'] };
/** Optional peers an entry point needs though not named after them: a store's driver. */
const ENTRY_PEERS: Record<string, string[]> = {
  './stores/sqlite': ['better-sqlite3'],
  './stores/redis': ['ioredis'],
  './stores/postgres': ['pg'],
  './otel': ['@opentelemetry/api'],
};

interface Manifest {
  name: string;
  version: string;
  types?: string;
  /** Module entries map conditions to files; `./package.json` maps to itself. */
  exports: Record<string, Record<string, string> | string>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const rootManifest = readJson<Manifest>(join(ROOT, 'package.json'));
const manifests = PACKAGES.map((dir) => readJson<Manifest>(join(ROOT, dir, 'package.json')));

/** Every module entry point: `@gatehouse/server/fastify` for the `./fastify` key of the server. */
const entries = manifests.flatMap((manifest) =>
  Object.entries(manifest.exports).flatMap(([key, conditions]) =>
    typeof conditions === 'string'
      ? []
      : [
          {
            manifest,
            key,
            conditions,
            specifier: key === '.' ? manifest.name : `${manifest.name}${key.slice(1)}`,
          },
        ],
  ),
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
  app = join(tmp, 'app');
  await mkdir(app);
  // Built on a copy and packed (or, under `npm run release`, the tarballs it publishes).
  const packed = await timed('build and pack', () => packPackages(PACKAGES, tmp));

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

  it.each(entries.map((e) => [e.specifier] as const))(
    '%s: require() loads it too, from CommonJS (require(esm), Node 20.19+ and 22.12+)',
    async (specifier) => {
      const script = `const m = require(${JSON.stringify(specifier)}); console.log(Object.keys(m).length);`;
      const { code, stdout, stderr } = await run(
        'node',
        ['--input-type=commonjs', '-e', script],
        app,
        MINUTE,
      );
      expect(code, stderr).toBe(0);
      expect(Number(stdout)).toBeGreaterThan(0);
    },
    MINUTE,
  );

  it.each(manifests.map((m) => [m.name, m] as const))(
    '%s/package.json is exported: tools read its version with require() and import',
    async (name, manifest) => {
      expect(manifest.exports['./package.json']).toBe('./package.json');
      const script = [
        `import { createRequire } from 'node:module';`,
        `const cjs = createRequire(process.cwd() + '/')('${name}/package.json');`,
        `const esm = await import('${name}/package.json', { with: { type: 'json' } });`,
        `console.log(cjs.version, esm.default.version);`,
      ].join('\n');
      const { code, stdout, stderr } = await run(
        'node',
        ['--input-type=module', '-e', script],
        app,
        MINUTE,
      );
      expect(code, stderr).toBe(0);
      expect(stdout.trim()).toBe(`${manifest.version} ${manifest.version}`);
    },
    MINUTE,
  );

  it.each(manifests.map((m) => [m.name]))(
    '%s: its tarball ships a README.md, a LICENSE and a CHANGELOG.md',
    (name) => {
      for (const file of ['README.md', 'LICENSE', 'CHANGELOG.md']) {
        expect(existsSync(join(app, 'node_modules', name, file)), `${file} in ${name}`).toBe(true);
      }
      expect(readFileSync(join(app, 'node_modules', name, 'LICENSE'), 'utf8')).toMatch(
        /^MIT License\n\nCopyright \(c\) 2026 The Gatehouse authors\n/,
      );
    },
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
