import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/lib/report.js';

// The harness must not rot: `npm run bench -- --quick` runs every phase for about a second and
// each phase must produce a figure. How fast is not checked here (CI machines are shared).
const run = fileURLToPath(new URL('../src/run.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quickBench(): Promise<{ code: number | null; output: string; report: BenchReport }> {
  const json = join(dir, 'report.json');
  const child = spawn(
    process.execPath,
    ['--conditions=@gatehouse/source', '--import', 'tsx', run, '--quick', '--json', json],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        resolve({ code, output, report: JSON.parse(readFileSync(json, 'utf8')) as BenchReport });
      } catch {
        reject(new Error(`the quick bench wrote no report (exit ${code}):\n${output}`));
      }
    });
  });
}

describe('npm run bench -- --quick', () => {
  it('produces a figure for every phase', { timeout: 150_000 }, async () => {
    const { code, output, report } = await quickBench();
    expect(report.failures, output).toEqual([]);
    expect(code, output).toBe(0);

    for (const phase of report.phases) {
      if (phase.id === 'cookieRedis' && phase.note?.startsWith('skipped')) continue;
      expect(phase.median?.rps, `${phase.label}\n${output}`).toBeGreaterThan(0);
      expect(phase.ofCeiling, phase.label).toBeGreaterThan(0);
    }
    expect(report.phases.map((phase) => phase.id)).toEqual([
      'ceiling',
      'constantCaller',
      'constantCallerBearer',
      'cookieSqlite',
      'cookieMemory',
      'cookieRedis',
      'bearerRepeated',
      'bearerFirstSight',
      'eocCookie',
      'expressCeiling',
      'oktaBearer',
      'remoteDirect',
      'remoteProxy',
      'ceilingAgain',
    ]);
    expect(report.flows?.flows).toBeGreaterThan(0);
    expect(report.memory?.count).toBe(10_000);
    expect(report.memory?.bytesPerSession).toBeGreaterThan(0);
    expect(report.cookies?.gatehouse).toBeGreaterThan(0);
    expect(report.cookies?.expressOpenidConnect).toBeGreaterThan(0);
    expect(report.bundles?.map((bundle) => bundle.gzipped > 0)).toEqual([true, true, true]);
    const redisSkipped = report.phases.some((phase) => phase.note?.startsWith('skipped'));
    for (const target of report.targets) {
      if (redisSkipped && target.target.includes('Redis')) continue;
      expect(target.figure, target.target).not.toBe('n/a');
    }
    expect(output).toContain('| phase | server | req/s |');
  });
});
