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
  it('produces a figure for every phase', { timeout: 240_000 }, async () => {
    const { code, output, report } = await quickBench();
    expect(report.failures, output).toEqual([]);
    expect(code, output).toBe(0);

    for (const phase of report.phases) {
      if (phase.note?.startsWith('skipped')) continue;
      expect(phase.median?.rps, `${phase.label}\n${output}`).toBeGreaterThan(0);
      expect(phase.ofCeiling, phase.label).toBeGreaterThan(0);
    }
    expect(report.phases.map((phase) => phase.id)).toEqual([
      'ceiling',
      'constantCaller',
      'constantCallerBearer',
      'cookieSqlite',
      'constantCallerMemory',
      'cookieMemory',
      'constantCallerRedis',
      'cookieRedis',
      'constantCallerPostgres',
      'cookiePostgres',
      'bearerRepeated',
      'bearerFirstSight',
      'nodeFirstSight',
      'joseFirstSight',
      'dpopRepeated',
      'joseDpop',
      'expressCookie',
      'eocCookie',
      'expressCeiling',
      'expressBearer',
      'oktaBearer',
      'remoteDirect',
      'remoteProxy',
      'nodeProxy',
      'bareProxy',
    ]);
    // Quick mode runs the ceiling first and last in its one round (lib/plan.ts, 'ends').
    expect(report.phases.find((phase) => phase.id === 'ceiling')?.runs).toHaveLength(2);
    // Both backends complete sign-ins at the same IdP, none failing.
    expect(report.flows?.map((phase) => phase.id)).toEqual(['flows', 'eocFlows']);
    for (const phase of report.flows ?? []) {
      expect(phase.median?.flows, `${phase.server}\n${output}`).toBeGreaterThan(0);
      expect(phase.median?.failures, phase.server).toBe(0);
      expect(phase.median?.cpuPerFlow, phase.server).toBeGreaterThan(0);
    }
    expect(report.memory?.count).toBe(10_000);
    expect(report.memory?.bytesPerSession).toBeGreaterThan(0);
    expect(report.cookies?.gatehouse).toBeGreaterThan(0);
    expect(report.cookies?.expressOpenidConnect).toBeGreaterThan(0);
    expect(report.bundles?.map((bundle) => bundle.gzipped > 0)).toEqual([true, true, true]);
    // The eleven targets, in docs/architecture.md's order, each with a floor, an aim and a
    // verdict; the figures themselves are not checked (a shared machine in a test run).
    const skipped = new Set(
      report.phases.filter((phase) => phase.note?.startsWith('skipped')).map((phase) => phase.id),
    );
    expect(report.targets.map((target) => target.id)).toEqual([
      'cookieMemory',
      'cookieSqlite',
      'cookieRedis',
      'cookiePostgres',
      'bearerRepeated',
      'bearerFirstSight',
      'dpopRepeated',
      'remoteProxy',
      'expressCookie',
      'expressBearer',
      'signInFlows',
    ]);
    for (const target of report.targets) {
      expect(target.floor, target.id).toBeTruthy();
      expect(target.aim, target.id).toBeTruthy();
      if (skipped.has(target.id as never)) continue;
      expect(target.figure, target.id).not.toBe('n/a');
      expect(target.byCpu, target.id).not.toBe('n/a');
      expect(['PASS', 'MISS'], target.id).toContain(target.result);
      expect(typeof target.aimMet, target.id).toBe('boolean');
    }
    expect(report.reported.map((row) => row.id)).toEqual([
      'calibrationCookie',
      'calibrationBearer',
      'boundFirstSight',
      'fastifyFirstSight',
      'boundDpop',
      'dpopOfBound',
      'fastifyProxy',
      'boundProxy',
      'expressCookieOfOpen',
      'expressBearerOfOpen',
      'fastifyVsEoc',
      'fastifyVsOkta',
      'boundFastifyOverExpress',
      'memoryPerSession',
      'reactBundle',
    ]);
    for (const row of report.reported) expect(row.figure, row.id).not.toBe('n/a');
    expect(output).toContain('| phase | server | req/s |');
    expect(output).toContain('| target (ratio within this run, beside its bound) | floor | aim |');
  });
});
