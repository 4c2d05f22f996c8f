// What the packaging tests share: commands run with npm's variables left out, and the packages
// built and packed the way a stranger gets them, on a copy (the working tree gets no dist/).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MINUTE = 60_000;

/** npm's own variables from an outer `npm test` would point the inner npm at the workspace. */
export const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig|cafile)$/i.test(key),
  ),
);

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = 5 * MINUTE,
  vars: Record<string, string> = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...env, ...vars }, timeout, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

export async function mustRun(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = 5 * MINUTE,
): Promise<Ran> {
  const result = await run(cmd, args, cwd, timeout);
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/**
 * The tarball `npm pack` names for a package folder: `gatehouse-server-1.0.0.tgz`. Under
 * `npm run release`, GATEHOUSE_TARBALLS is the folder of the tarballs it is about to publish,
 * so the packaging tests check those very files instead of packing their own.
 */
function releaseTarball(dir: string, folder: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const file = join(
    folder,
    `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`,
  );
  if (!existsSync(file)) throw new Error(`GATEHOUSE_TARBALLS has no ${file}`);
  return file;
}

/**
 * Builds each of `packages` (repository folders) with its own `npm run build` on a copy under
 * `tmp`, packs it with `npm pack` and resolves to the tarballs' paths, in the same order.
 */
export async function packPackages(packages: string[], tmp: string): Promise<string[]> {
  const released = process.env.GATEHOUSE_TARBALLS;
  if (released) return packages.map((dir) => releaseTarball(dir, released));
  const repo = join(tmp, 'repo');
  const tarballs = join(tmp, 'tarballs');
  await mkdir(tarballs, { recursive: true });
  await cp(join(ROOT, 'tsconfig.base.json'), join(repo, 'tsconfig.base.json'));
  await symlink(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  for (const dir of packages) {
    await cp(join(ROOT, dir), join(repo, dir), {
      recursive: true,
      filter: (source) =>
        !/^(node_modules|dist|test)(\/|$)/.test(relative(join(ROOT, dir), source)),
    });
  }
  await Promise.all(packages.map((dir) => mustRun('npm', ['run', 'build'], join(repo, dir))));
  return Promise.all(
    packages.map(async (dir) => {
      const args = ['pack', '--json', '--pack-destination', tarballs];
      const { stdout } = await mustRun('npm', args, join(repo, dir));
      return join(tarballs, (JSON.parse(stdout) as [{ filename: string }])[0].filename);
    }),
  );
}
