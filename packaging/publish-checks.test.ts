// The tarballs `npm publish` would upload, checked by the linters packages are judged by:
// publint (the manifest against the files shipped) and "Are the types wrong?" (every entry
// point's types against its JavaScript, as TypeScript resolves them). The packages are ES
// modules only, so attw runs with its `esm-only` profile: it skips `node10` (no `exports`
// support) and CommonJS under `node16` (TypeScript's `module: node16` only lets a CommonJS
// file `import()` an ES module; the README says which settings work). Node itself runs a
// `require()` of every entry (require(esm)), which pack-install.test.ts proves.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint, type Options as PublintOptions } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, mustRun, packPackages, ROOT, run } from './support.js';

const PACKAGES = ['packages/server', 'packages/react', 'packages/dev-idp'];
/** Resolutions the `esm-only` profile leaves out: no CommonJS build is promised. */
const ESM_ONLY_IGNORES = new Set(['node10', 'node16-cjs']);
const ATTW = join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');

interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
}

let tmp = '';
let tarballs: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gatehouse-publish-'));
  tarballs = await packPackages(PACKAGES, tmp);
}, 10 * MINUTE);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** publint's errors and warnings for a tarball or unpacked files, one readable line each. */
async function publintFindings(pack: PublintOptions['pack'], pkgDir?: string): Promise<string[]> {
  const { messages, pkg } = await publint({ pack, pkgDir, level: 'warning', strict: true });
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
}

/** attw's problems for a tarball that the esm-only profile does not ignore. */
async function attwProblems(tarball: string): Promise<{ code: number; problems: string[] }> {
  const args = [ATTW, tarball, '--profile', 'esm-only', '--no-definitely-typed', '-f', 'json'];
  const { code, stdout, stderr } = await run(process.execPath, args, tmp, 2 * MINUTE);
  const parsed = JSON.parse(stdout || '{}') as { problems?: Record<string, AttwProblem[]> };
  if (!parsed.problems) throw new Error(`attw gave no analysis for ${tarball}:\n${stderr}`);
  const problems = Object.values(parsed.problems)
    .flat()
    .filter((p) => !p.resolutionKind || !ESM_ONLY_IGNORES.has(p.resolutionKind))
    .map((p) => `${p.kind} at "${p.entrypoint ?? '.'}" (${p.resolutionKind ?? 'any'})`);
  return { code, problems };
}

describe.concurrent('the tarballs as npm would publish them', () => {
  it.each(PACKAGES.map((dir, i) => [dir, i] as const))(
    '%s: publint finds no error or warning',
    async (_, i) => {
      const bytes = await readFile(tarballs[i]!);
      const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      expect(await publintFindings({ tarball })).toEqual([]);
    },
    MINUTE,
  );

  it.each(PACKAGES.map((dir, i) => [dir, i] as const))(
    '%s: "Are the types wrong?" finds no problem for ES module consumers (node16, bundler)',
    async (_, i) => {
      const { code, problems } = await attwProblems(tarballs[i]!);
      expect(problems).toEqual([]);
      expect(code).toBe(0);
    },
    2 * MINUTE,
  );
});

describe('the checks catch a broken package (so a green run means something)', () => {
  it('publint reports an exports entry whose types file is not in the tarball', async () => {
    const manifest = {
      name: 'broken',
      version: '1.0.0',
      type: 'module',
      exports: { '.': { types: './dist/missing.d.ts', default: './dist/index.js' } },
    };
    const files = [
      { name: 'package/package.json', data: JSON.stringify(manifest) },
      { name: 'package/dist/index.js', data: 'export const x = 1;\n' },
    ];
    const findings = await publintFindings({ files }, 'package');
    expect(findings).toEqual([expect.stringMatching(/^error: .*exports.*types.*does not exist/)]);
  });

  it(
    'attw reports types that say CommonJS for an ES module (FalseCJS)',
    async () => {
      const dir = join(tmp, 'false-cjs');
      await mkdir(join(dir, 'dist'), { recursive: true });
      const manifest = {
        name: 'false-cjs',
        version: '1.0.0',
        type: 'module',
        exports: { '.': { types: './dist/index.d.cts', default: './dist/index.js' } },
      };
      await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
      await writeFile(join(dir, 'dist/index.js'), 'export const x = 1;\n');
      await writeFile(join(dir, 'dist/index.d.cts'), 'export declare const x: number;\n');
      const { stdout } = await mustRun('npm', ['pack', '--json', '--pack-destination', tmp], dir);
      const tarball = join(tmp, (JSON.parse(stdout) as [{ filename: string }])[0].filename);
      const { code, problems } = await attwProblems(tarball);
      expect(problems).toEqual([expect.stringMatching(/^FalseCJS at "\."/)]);
      expect(code).not.toBe(0);
    },
    2 * MINUTE,
  );
});

describe('the tarballs carry their changelog', () => {
  it.each(PACKAGES.map((dir, i) => [dir, i] as const))(
    '%s: CHANGELOG.md is in the tarball and starts at the version in package.json',
    async (dir, i) => {
      const { stdout } = await mustRun('tar', ['-xOzf', tarballs[i]!, 'package/CHANGELOG.md'], tmp);
      const { name, version } = JSON.parse(
        await readFile(join(ROOT, dir, 'package.json'), 'utf8'),
      ) as { name: string; version: string };
      expect(stdout).toMatch(new RegExp(`^# ${name}\\n\\n## ${version.replaceAll('.', '\\.')}\\n`));
    },
  );
});
