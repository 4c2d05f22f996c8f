import type { MemoryResult } from '../memory.js';
import type { FlowsPhase } from './flows-phase.js';
import type { BundleSize } from './sizes.js';
import { median } from './median.js';
import { cpuFactor, factor } from './pairing.js';
import type { Phase } from './phase.js';

export type { LoadResult, Phase, PhaseId } from './phase.js';

/** A row under the phases: one of the performance targets, or a figure reported beside them. */
export interface Target {
  /** Stable name of the row (tests and scripts read rows by it). */
  id: string;
  target: string;
  /** A target's floor and aim, formatted as the figure is. */
  floor?: string;
  aim?: string;
  /** The ratio of req/s (or of flows per second) in this run. */
  figure: string;
  /** The same ratio from CPU time per request (or per flow), where the phase has one. */
  byCpu?: string;
  /** PASS when the floor held. */
  result: 'PASS' | 'MISS' | 'report' | 'n/a';
  aimMet?: boolean;
  value?: number;
}

export interface BenchReport {
  date: string;
  quick: boolean;
  command: string;
  machine: {
    cores: number;
    cpu: string;
    memory: string;
    node: string;
    os: string;
    loadBefore: string;
    loadAfter: string;
  };
  settings: {
    rounds: number;
    duration: number;
    warmup: number;
    connections: number;
    sessions: number;
    users: number;
    firstSightTokens: number;
    loadGenerator: string;
  };
  phases: Phase[];
  /** Sign-in flows, Gatehouse's (`flows`) and express-openid-connect's (`eocFlows`). */
  flows?: FlowsPhase[];
  memory?: MemoryResult;
  cookies?: { gatehouse: number; expressOpenidConnect: number };
  bundles?: BundleSize[];
  /** The eleven performance targets. */
  targets: Target[];
  /** Figures reported under them. */
  reported: Target[];
  failures: string[];
}

/**
 * Medians and ratios from the rounds. A share of the ceiling is computed run by run, against the
 * ceiling runs beside it in its round (lib/pairing.ts), and its median over rounds is reported.
 */
export function summarize(phases: Phase[]): void {
  for (const phase of phases) {
    if (phase.failed || phase.runs.length === 0) continue;
    const rps = phase.runs.map((run) => run.rps);
    const mid = median(rps);
    phase.median = phase.runs.find((run) => run.rps === mid);
    phase.spread = (Math.max(...rps) - Math.min(...rps)) / mid;
    phase.cpuPerRequest = median(phase.runs.map((run) => run.cpuPerRequest ?? NaN));
    phase.ofCeiling = factor(phases, phase.id, 'ceiling');
    phase.ofCeilingCpu = cpuFactor(phases, phase.id, 'ceiling');
  }
}

const n = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      })
    : 'n/a';

/** How the ceiling ran: its row is the median and spread of all its runs. */
function ceilingLine(report: BenchReport): string[] {
  const runs = report.phases.find((phase) => phase.id === 'ceiling')?.runs.length ?? 0;
  if (!runs) return [];
  const where = report.quick
    ? 'first and last in each round'
    : 'one before and one after every phase judged against it';
  return [
    `- ceiling: ${runs} runs, ${where}; a share of the ceiling is taken against the ceiling runs beside the phase's run in its round; the ceiling row shows the median and spread of all its runs`,
  ];
}

/** The run as Markdown: what docs/benchmarks.md pastes. */
export function render(report: BenchReport): string {
  const { machine: m, settings: s } = report;
  const lines = [
    `Gatehouse benchmarks, ${report.date}${report.quick ? ' (quick mode: a harness check, not figures to quote)' : ''}`,
    '',
    `- command: \`${report.command}\``,
    `- machine: ${m.cores} cores, ${m.cpu}, ${m.memory}, Node ${m.node}, ${m.os}`,
    `- load average (1, 5, 15 min): ${m.loadBefore} before, ${m.loadAfter} after`,
    `- load: ${s.loadGenerator}, ${s.connections} connections, ${s.warmup} s warm-up + ${s.duration} s per phase, ${s.rounds} round${s.rounds === 1 ? '' : 's'} (median shown)`,
    ...ceilingLine(report),
    '',
    '| phase | server | req/s | spread | p50 ms | p99 ms | of ceiling | CPU µs/req | of ceiling by CPU |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const phase of report.phases) {
    const r = phase.median;
    if (!r || phase.failed) {
      lines.push(`| ${phase.label} | ${phase.server} | ${phase.note ?? 'n/a'} | | | | | | |`);
      continue;
    }
    const spread = phase.runs.length > 1 ? `${n((phase.spread ?? NaN) * 100)}%` : '';
    const share = (value: number | undefined) =>
      Number.isFinite(value) ? `${n(value! * 100)}%` : '';
    lines.push(
      `| ${phase.label} | ${phase.server} | ${n(r.rps)} | ${spread} | ${n(r.latency.p50)} | ${n(r.latency.p99)} | ${share(phase.ofCeiling)} | ${n(phase.cpuPerRequest ?? NaN)} | ${share(phase.ofCeilingCpu)} |`,
    );
  }
  lines.push('');
  if (report.flows?.length) {
    lines.push(
      `| sign-in flows (login route, the IdP's form, the callback), ${s.users} virtual users | server | flows/s | spread | p50 ms | p99 ms | flows | failed | backend CPU µs/flow |`,
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const phase of report.flows) {
      const f = phase.median ?? phase.runs.at(-1);
      if (!f) continue;
      const spread = s.rounds > 1 && phase.spread !== undefined ? `${n(phase.spread * 100)}%` : '';
      lines.push(
        `| ${phase.id} | ${phase.server} | ${n(f.perSecond, 1)} | ${spread} | ${n(f.latency.p50)} | ${n(f.latency.p99)} | ${f.flows} | ${f.failures} | ${n(f.cpuPerFlow ?? NaN)} |`,
      );
    }
    lines.push('');
  }
  if (report.memory) {
    const mem = report.memory;
    lines.push(
      `- memory per idle session at ${n(mem.count)} sessions (MemoryStore, tokens of ${n(mem.tokenBytes)} B as JSON): ` +
        `**${n(mem.bytesPerSession)} B** (${n(mem.heapPerSession)} B heap + ${n(mem.externalPerSession)} B outside the heap)`,
    );
  }
  if (report.cookies) {
    lines.push(
      `- Cookie header on each API request: Gatehouse **${report.cookies.gatehouse} B**, express-openid-connect ${n(report.cookies.expressOpenidConnect)} B`,
    );
  }
  if (report.bundles) {
    lines.push(
      '',
      '| React SDK (esbuild bundle, minified, React external) | min | min+gzip |',
      '| --- | ---: | ---: |',
    );
    for (const b of report.bundles) {
      lines.push(
        `| ${b.name} | ${(b.minified / 1024).toFixed(1)} KiB | ${(b.gzipped / 1024).toFixed(2)} KiB |`,
      );
    }
  }
  lines.push(
    '',
    '| target (ratio within this run, beside its bound) | floor | aim | this run | by CPU | result | aim met |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
  );
  for (const t of report.targets) {
    lines.push(
      `| ${t.target} | ${t.floor ?? ''} | ${t.aim ?? ''} | ${t.figure} | ${t.byCpu ?? ''} | ${t.result} | ${t.result === 'n/a' ? '' : t.aimMet ? 'yes' : 'no'} |`,
    );
  }
  lines.push('', '| also reported | this run | |', '| --- | ---: | --- |');
  for (const t of report.reported)
    lines.push(`| ${t.target} | ${t.figure} | ${t.result === 'report' ? '' : t.result} |`);
  if (report.failures.length) lines.push('', 'FAILED:', ...report.failures.map((f) => `- ${f}`));
  return lines.join('\n');
}
