import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The env files Next.js reads, highest precedence first: `.env.$mode.local`, `.env.local` (not
 * in test, so that tests run alike everywhere), `.env.$mode`, `.env`. The mode is Next's:
 * `test` or `production` as NODE_ENV says, else `development` (`next dev`). `npm run serve`
 * reads `.env`, the last of them.
 */
export function nextEnvFiles(nodeEnv: string | undefined): string[] {
  const mode = nodeEnv === 'test' || nodeEnv === 'production' ? nodeEnv : 'development';
  return [`.env.${mode}.local`, ...(mode === 'test' ? [] : ['.env.local']), `.env.${mode}`, '.env'];
}

/** The variables of env files, and which files they came from. */
export interface EnvFiles {
  /** A variable from a file earlier in `files` wins over the same one from a later file. */
  variables: Record<string, string>;
  /** The files that exist and were read, in the order given. */
  read: string[];
}

/** Reads those of `files` (highest precedence first, relative to the working directory) that exist. */
export function readEnvFiles(files: readonly string[]): EnvFiles {
  const variables: Record<string, string> = {};
  const read: string[] = [];
  for (const file of files) {
    const path = resolve(file);
    if (!existsSync(path)) continue;
    read.push(file);
    const parsed = parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
    for (const [key, value] of Object.entries(parsed)) variables[key] ??= value;
  }
  return { variables, read };
}

/** Where the doctor's variables came from, for its report and its errors. */
export function describeSources(read: readonly string[]): string {
  return read.length
    ? `the environment, then ${read.join(', ')}`
    : 'the environment only, no env file';
}
