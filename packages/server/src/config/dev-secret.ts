import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatehouseOptions } from './options.js';
import { needsDevSecret } from './parse.js';

let warned = false;

/**
 * Local development without SESSION_SECRET: a random secret kept in `.gatehouse/` so sessions
 * survive a restart. Never used outside dev (the config refuses to start without a secret).
 */
export function devSessionSecret(dir = '.gatehouse'): string {
  const file = join(dir, 'dev-session-secret');
  if (!warned) {
    warned = true;
    process.emitWarning(
      `SESSION_SECRET is not set: using a generated development secret in ${file}. Set SESSION_SECRET outside local development.`,
      { code: 'GATEHOUSE_DEV_SECRET' },
    );
  }
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(32).toString('base64url');
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    } catch {
      return readFileSync(file, 'utf8').trim() || secret;
    }
    return secret;
  }
}

/**
 * The options `createGatehouse` parses: as given, or, in local development without a
 * SESSION_SECRET, with the generated one from {@link devSessionSecret}. Kept out of
 * `parseConfig`, which reads no file.
 */
export function withDevSecret(options: GatehouseOptions, dir?: string): GatehouseOptions {
  return needsDevSecret(options) ? { ...options, sessionSecret: devSessionSecret(dir) } : options;
}
