import type { FlowsResult } from '../flows.js';
import type { MemoryResult } from '../memory.js';
import type { BundleSize } from './sizes.js';

/** What one autocannon run measured (load.mjs). */
export interface LoadResult {
  /** 2xx responses per second of the measured run. */
  rps: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p99: number; mean: number };
  /** The server process's CPU time (user + system) during the measured run ÷ requests, µs. */
  cpuPerRequest?: number;
}

export type PhaseId =
  | 'ceiling'
  | 'constantCaller'
  | 'constantCallerBearer'
  | 'cookieSqlite'
  | 'cookieMemory'
  | 'cookieRedis'
  | 'bearerRepeated'
  | 'bearerFirstSight'
  | 'eocCookie'
  | 'expressCeiling'
  | 'oktaBearer'
  | 'remoteDirect'
  | 'remoteProxy'
  | 'ceilingAgain';

/** One throughput phase: a route of a server with a credential, run once per round. */
export interface Phase {
  id: PhaseId;
  label: string;
  server: string;
  runs: LoadResult[];
  /** The run with the median req/s (its latencies go with it). */
  median?: LoadResult;
  /** Median over rounds of req/s ÷ that round's ceiling. */
  ofCeiling?: number;
  /** Median over rounds of the server's CPU µs per request. */
  cpuPerRequest?: number;
  /** Median over rounds of the ceiling's CPU µs per request ÷ this phase's, in that round. */
  ofCeilingCpu?: number;
  /** (max − min) ÷ median req/s over the rounds. */
  spread?: number;
  /** Why there is no figure (skipped or failed). */
  note?: string;
  failed?: boolean;
}

export interface Target {
  target: string;
  figure: string;
  result: 'PASS' | 'MISS' | 'report' | 'n/a';
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
  flows?: FlowsResult;
  memory?: MemoryResult;
  cookies?: { gatehouse: number; expressOpenidConnect: number };
  bundles?: BundleSize[];
  targets: Target[];
  failures: string[];
}

export const median = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : NaN;
};

/**
 * Medians and ratios from the rounds. A ratio is computed within each round (so a machine
 * that slows down between rounds moves both sides) and its median over rounds is reported.
 */
export function summarize(phases: Phase[], rounds: number): void {
  const ok = (phase: Phase | undefined, round: number) =>
    phase && !phase.failed ? (phase.runs[round]?.rps ?? NaN) : NaN;
  const byId = new Map(phases.map((phase) => [phase.id, phase]));
  const cpu = (phase: Phase | undefined, round: number) =>
    phase && !phase.failed ? (phase.runs[round]?.cpuPerRequest ?? NaN) : NaN;
  const mean = (values: number[]) => {
    const finite = values.filter(Number.isFinite);
    return finite.length ? finite.reduce((a, b) => a + b) / finite.length : NaN;
  };
  const ceilings = [byId.get('ceiling'), byId.get('ceilingAgain')];
  const ceilingOf = (round: number) => mean(ceilings.map((phase) => ok(phase, round)));
  const ceilingCpuOf = (round: number) => mean(ceilings.map((phase) => cpu(phase, round)));
  for (const phase of phases) {
    if (phase.failed || phase.runs.length === 0) continue;
    const rps = phase.runs.map((run) => run.rps);
    const mid = median(rps);
    phase.median = phase.runs.find((run) => run.rps === mid);
    phase.spread = (Math.max(...rps) - Math.min(...rps)) / mid;
    phase.cpuPerRequest = median(phase.runs.map((run) => run.cpuPerRequest ?? NaN));
    phase.ofCeilingCpu = median(
      Array.from({ length: rounds }, (_, round) => ceilingCpuOf(round) / cpu(phase, round)),
    );
    phase.ofCeiling = median(
      Array.from({ length: rounds }, (_, round) => ok(phase, round) / ceilingOf(round)),
    );
  }
}

/** Median over rounds of `a`'s req/s ÷ `b`'s req/s within the round. */
export function factor(phases: Phase[], a: PhaseId, b: PhaseId, rounds: number): number {
  const find = (id: PhaseId) => phases.find((phase) => phase.id === id && !phase.failed);
  const [pa, pb] = [find(a), find(b)];
  if (!pa || !pb) return NaN;
  return median(
    Array.from(
      { length: rounds },
      (_, round) => (pa.runs[round]?.rps ?? NaN) / (pb.runs[round]?.rps ?? NaN),
    ),
  );
}

const n = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      })
    : 'n/a';

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
    const spread = s.rounds > 1 ? `${n((phase.spread ?? NaN) * 100)}%` : '';
    const share = (value: number | undefined) =>
      Number.isFinite(value) ? `${n(value! * 100)}%` : '';
    lines.push(
      `| ${phase.label} | ${phase.server} | ${n(r.rps)} | ${spread} | ${n(r.latency.p50)} | ${n(r.latency.p99)} | ${share(phase.ofCeiling)} | ${n(phase.cpuPerRequest ?? NaN)} | ${share(phase.ofCeilingCpu)} |`,
    );
  }
  lines.push('');
  if (report.flows) {
    const f = report.flows;
    lines.push(
      `- sign-in flows (GET /login, the IdP's form, the callback), ${s.users} virtual users: **${n(f.perSecond, 1)} per second** ` +
        `(${f.flows} in ${n(f.duration, 1)} s, p50 ${n(f.latency.p50)} ms, p99 ${n(f.latency.p99)} ms, ${f.failures} failed)`,
    );
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
  lines.push('', '| target | this run | |', '| --- | ---: | --- |');
  for (const t of report.targets)
    lines.push(`| ${t.target} | ${t.figure} | ${t.result === 'report' ? '' : t.result} |`);
  if (report.failures.length) lines.push('', 'FAILED:', ...report.failures.map((f) => `- ${f}`));
  return lines.join('\n');
}

/** The performance targets of docs/architecture.md, checked against this run. */
export function checkTargets(report: Omit<BenchReport, 'targets'>): Target[] {
  const { phases, settings } = report;
  const share = (id: PhaseId) =>
    phases.find((phase) => phase.id === id && !phase.failed)?.ofCeiling ?? NaN;
  // One more digit than the tables: a figure next to PASS/MISS must not round across the line.
  const percent = (value: number) =>
    Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
  const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');
  const check = (value: number, pass: boolean): Target['result'] =>
    !Number.isFinite(value) ? 'n/a' : pass ? 'PASS' : 'MISS';
  const sqlite = share('cookieSqlite');
  const bearer = share('bearerRepeated');
  const eoc = factor(phases, 'cookieSqlite', 'eocCookie', settings.rounds);
  const okta = factor(phases, 'bearerRepeated', 'oktaBearer', settings.rounds);
  const perSession = report.memory?.bytesPerSession ?? NaN;
  const bundle = report.bundles?.find((b) => b.name === '@gatehouse/react')?.gzipped ?? NaN;
  const proxy = factor(phases, 'remoteProxy', 'remoteDirect', settings.rounds);
  return [
    {
      target: 'remote API through the backend ≥ 60% of calling it directly with a token',
      figure: percent(proxy),
      result: check(proxy, proxy >= 0.6),
    },
    {
      target: 'session cookie, SQLite (the default store) ≥ 80% of the ceiling',
      figure: percent(sqlite),
      result: check(sqlite, sqlite >= 0.8),
    },
    {
      target: 'session cookie, memory store (reported)',
      figure: percent(share('cookieMemory')),
      result: 'report',
    },
    {
      target: 'session cookie, Redis store (reported)',
      figure: percent(share('cookieRedis')),
      result: 'report',
    },
    {
      target: 'Bearer JWT, repeated token ≥ 80% of the ceiling',
      figure: percent(bearer),
      result: check(bearer, bearer >= 0.8),
    },
    {
      target: 'Bearer JWT, first sight (reported)',
      figure: percent(share('bearerFirstSight')),
      result: 'report',
    },
    {
      target: 'session cookie (SQLite) ≥ 10x express-openid-connect',
      figure: times(eoc),
      result: check(eoc, eoc >= 10),
    },
    {
      target: 'Bearer, repeated token ≥ 10x @okta/jwt-verifier',
      figure: times(okta),
      result: check(okta, okta >= 10),
    },
    {
      target: 'Bearer, first sight vs @okta/jwt-verifier (reported)',
      figure: times(factor(phases, 'bearerFirstSight', 'oktaBearer', settings.rounds)),
      result: 'report',
    },
    {
      target: 'bound: Gatehouse ceiling (no auth at all) ÷ express-openid-connect',
      figure: times(factor(phases, 'ceiling', 'eocCookie', settings.rounds)),
      result: 'report',
    },
    {
      target: 'bound: Gatehouse ceiling (no auth at all) ÷ @okta/jwt-verifier',
      figure: times(factor(phases, 'ceiling', 'oktaBearer', settings.rounds)),
      result: 'report',
    },
    {
      target: 'the guard alone: session cookie, SQLite ÷ calibration with the cookie (reported)',
      figure: percent(factor(phases, 'cookieSqlite', 'constantCaller', settings.rounds)),
      result: 'report',
    },
    {
      target: 'the guard alone: session cookie, memory ÷ calibration with the cookie (reported)',
      figure: percent(factor(phases, 'cookieMemory', 'constantCaller', settings.rounds)),
      result: 'report',
    },
    {
      target: 'the guard alone: Bearer, repeated ÷ calibration with the Bearer header (reported)',
      figure: percent(factor(phases, 'bearerRepeated', 'constantCallerBearer', settings.rounds)),
      result: 'report',
    },
    {
      target: `memory per idle session at ${settings.sessions.toLocaleString('en-US')} sessions < 4 KiB`,
      figure: Number.isFinite(perSession)
        ? `${Math.round(perSession).toLocaleString('en-US')} B`
        : 'n/a',
      result: check(perSession, perSession < 4096),
    },
    {
      target: '@gatehouse/react min+gzip < 4 KiB',
      figure: Number.isFinite(bundle) ? `${(bundle / 1024).toFixed(2)} KiB` : 'n/a',
      result: check(bundle, bundle < 4096),
    },
  ];
}
