// What the migration guides' tests share: where the "after" apps live, and how to run one.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../../..');
export const GUIDES = join(ROOT, 'docs/migrating');
export const AFTER = join(GUIDES, 'after');

/** The guides, by the name of their "after" folder (and of their page, `<name>.md`). */
export const GUIDE_NAMES = [
  'express-openid-connect',
  'authjs',
  'keycloak-connect',
  'fastapi-tutorial',
];

/** Every file of a folder, as paths relative to `base`, sorted. */
export function filesUnder(folder: string, base = folder): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(base, join(entry.parentPath, entry.name)))
    .sort();
}

/** A variable of the test's own environment that would change an app's settings. */
const SETTING = /^(OKTA_|OIDC_|SESSION_|BACKEND_URL$|FRONTEND_URL$|PORT$|HOST$|PROVIDERS$)/;

/** One "after" server, run as its guide says: node with tsx, its settings in the environment. */
export interface AfterApp {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `after/<file>` (the workspace's sources through the `@gatehouse/source` condition),
 * in its own folder so no `.env` of the repository is read, and waits until it answers `probe`.
 */
export async function startAfterApp(
  file: string,
  vars: Record<string, string>,
  probe = '/',
): Promise<AfterApp> {
  const path = join(AFTER, file);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !SETTING.test(name)),
  );
  const child = spawn('node', ['--conditions=@gatehouse/source', '--import', 'tsx', path], {
    cwd: dirname(path),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, ...vars },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const url = vars.BACKEND_URL!;
  const app: AfterApp = { url, output: () => output, stop: () => stop(child) };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${file} exited:\n${output}`);
    try {
      await (await fetch(`${url}${probe}`, { redirect: 'manual' })).body?.cancel();
      return app;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop(child);
        throw new Error(`${file} did not answer in 30 s:\n${output}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
