import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GUARD_STEPS } from '../src/lib/guard-steps.js';

// The tool must not rot: one short round per store, every step answering 200 (the tool fails
// on any other answer) and a row for each. How fast is not checked here.
const script = fileURLToPath(new URL('../src/guard-steps.ts', import.meta.url));

describe('npm run bench:guard-steps', () => {
  it('prints a row per step for the memory and the SQLite store', { timeout: 180_000 }, () => {
    const run = spawnSync(
      process.execPath,
      [
        '--conditions=@gatehouse/source',
        '--import',
        'tsx',
        script,
        '--rounds',
        '1',
        '--duration',
        '0.3',
        '--warmup',
        '0',
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    for (const store of ['memory', 'sqlite']) {
      const table = run.stdout.split(`| ${store} store: step`)[1]?.split('\n\n')[0] ?? '';
      for (const [path] of GUARD_STEPS) expect(table).toMatch(new RegExp(`\`${path}\`\\) \\| \\d`));
    }
  });
});
