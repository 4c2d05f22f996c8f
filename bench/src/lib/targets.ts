// The performance targets of issue 15 (docs/architecture.md, "Performance targets"), checked
// against one run: nine ratios, each with a floor (PASS or MISS) and an aim. Every ratio is a
// median over rounds of the ratio within a round; the CPU-based ratio sits beside it, since on
// a shared machine a request's CPU time moves less than req/s does.
import type { FlowsPhase } from './flows-phase.js';
import { median } from './median.js';
import { cpuFactor, factor } from './pairing.js';
import type { BenchReport, PhaseId, Target } from './report.js';

type Run = Omit<BenchReport, 'targets' | 'reported'>;

/** The same two ratios for sign-in flows: Gatehouse's flows ÷ express-openid-connect's. */
function flowsFactors(flows: FlowsPhase[] | undefined): { rps: number; cpu: number } {
  const gatehouse = flows?.find((phase) => phase.id === 'flows' && !phase.failed);
  const eoc = flows?.find((phase) => phase.id === 'eocFlows' && !phase.failed);
  if (!gatehouse || !eoc) return { rps: NaN, cpu: NaN };
  const rounds = Math.min(gatehouse.runs.length, eoc.runs.length);
  const each = (ratio: (round: number) => number) =>
    median(Array.from({ length: rounds }, (_, round) => ratio(round)));
  return {
    rps: each((round) => gatehouse.runs[round]!.perSecond / eoc.runs[round]!.perSecond),
    cpu: each(
      (round) => (eoc.runs[round]!.cpuPerFlow ?? NaN) / (gatehouse.runs[round]!.cpuPerFlow ?? NaN),
    ),
  };
}

const finite = (value: number | undefined): value is number =>
  value !== undefined && Number.isFinite(value);

function row(
  id: string,
  target: string,
  kind: 'share' | 'times',
  [floor, aim]: [number, number],
  value: number | undefined,
  byCpu: number | undefined,
): Target {
  // One more digit than the tables: a figure next to PASS/MISS must not round across the line.
  const format = (x: number | undefined) =>
    !finite(x) ? 'n/a' : kind === 'share' ? x.toFixed(3) : `${x.toFixed(2)}x`;
  const limit = (x: number) => (kind === 'share' ? x.toFixed(2) : `${x.toFixed(1)}x`);
  return {
    id,
    target,
    floor: limit(floor),
    aim: limit(aim),
    figure: format(value),
    byCpu: finite(byCpu) ? format(byCpu) : '',
    result: !finite(value) ? 'n/a' : value >= floor ? 'PASS' : 'MISS',
    aimMet: finite(value) && value >= aim,
    ...(finite(value) && { value }),
  };
}

/** Issue 15's nine targets, in its order. `n/a` when the run did not measure both sides. */
export function checkTargets(report: Run): Target[] {
  const { phases } = report;
  /** Phase `a` ÷ phase `b` within each round, by req/s and by CPU (÷ `ceiling`: its share). */
  const versus = (a: PhaseId, b: PhaseId) =>
    [factor(phases, a, b), cpuFactor(phases, a, b)] as const;
  const ofCeiling = (id: PhaseId) => versus(id, 'ceiling');
  const cookie = (id: PhaseId, store: string, limits: [number, number]) =>
    row(id, `session cookie, ${store} ÷ open route`, 'share', limits, ...ofCeiling(id));
  const flows = flowsFactors(report.flows);
  return [
    cookie('cookieSqlite', 'SQLite store (the default of `npm run serve`)', [0.8, 0.9]),
    cookie('cookieMemory', 'memory store', [0.85, 0.95]),
    cookie('cookieRedis', 'Redis store', [0.7, 0.8]),
    row(
      'bearerRepeated',
      'Bearer, repeated token ÷ open route',
      'share',
      [0.85, 0.95],
      ...ofCeiling('bearerRepeated'),
    ),
    row(
      'bearerFirstSight',
      'Bearer, first sight (one signature check each) ÷ open route',
      'share',
      [0.3, 0.4],
      ...ofCeiling('bearerFirstSight'),
    ),
    row(
      'vsExpressOpenidConnect',
      'session cookie (SQLite) ÷ express-openid-connect',
      'times',
      [12, 15],
      ...versus('cookieSqlite', 'eocCookie'),
    ),
    row(
      'vsOktaJwtVerifier',
      'Bearer, repeated ÷ @okta/jwt-verifier',
      'times',
      [12, 14],
      ...versus('bearerRepeated', 'oktaBearer'),
    ),
    row(
      'remoteProxy',
      'a remote-API call through the proxy ÷ the same call made directly',
      'share',
      [0.6, 0.8],
      ...versus('remoteProxy', 'remoteDirect'),
    ),
    row(
      'signInFlows',
      "sign-in flows per second ÷ express-openid-connect's, same provider",
      'times',
      [1, 1.5],
      flows.rps,
      flows.cpu,
    ),
  ];
}

/** Figures reported under the nine: what helps read them, and the other targets of the design. */
export function reportedFigures(report: Run): Target[] {
  const { phases, settings } = report;
  const percent = (value: number) =>
    Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
  const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');
  const reported = (id: string, target: string, figure: string): Target => ({
    id,
    target,
    figure,
    result: 'report',
  });
  const under = (
    id: string,
    target: string,
    value: number,
    limit: number,
    figure: string,
  ): Target => ({
    id,
    target,
    figure: Number.isFinite(value) ? figure : 'n/a',
    result: !Number.isFinite(value) ? 'n/a' : value < limit ? 'PASS' : 'MISS',
  });
  const perSession = report.memory?.bytesPerSession ?? NaN;
  const bundle = report.bundles?.find((b) => b.name === '@gatehouse/react')?.gzipped ?? NaN;
  /** Phase `a` ÷ phase `b` within each round (÷ `ceiling`: a share of the open route). */
  const ratio = (id: string, target: string, a: PhaseId, b: PhaseId, format = percent) =>
    reported(id, target, format(factor(phases, a, b)));
  return [
    ratio(
      'calibrationCookie',
      'calibration (no guard), cookie sent ÷ open route',
      'constantCaller',
      'ceiling',
    ),
    ratio(
      'calibrationBearer',
      'calibration (no guard), Bearer header sent ÷ open route',
      'constantCallerBearer',
      'ceiling',
    ),
    ratio(
      'guardSqlite',
      'the guard alone: session cookie, SQLite ÷ calibration with the cookie',
      'cookieSqlite',
      'constantCaller',
    ),
    ratio(
      'guardMemory',
      'the guard alone: session cookie, memory ÷ calibration with the cookie',
      'cookieMemory',
      'constantCaller',
    ),
    ratio(
      'guardBearer',
      'the guard alone: Bearer, repeated ÷ calibration with the Bearer header',
      'bearerRepeated',
      'constantCallerBearer',
    ),
    ratio(
      'dpopRepeated',
      'DPoP-bound Bearer, repeated token, a new proof each request ÷ open route',
      'dpopRepeated',
      'ceiling',
    ),
    ratio(
      'firstSightVsOkta',
      'Bearer, first sight ÷ @okta/jwt-verifier',
      'bearerFirstSight',
      'oktaBearer',
      times,
    ),
    ratio(
      'boundEoc',
      'bound: Gatehouse open route (no auth at all) ÷ express-openid-connect',
      'ceiling',
      'eocCookie',
      times,
    ),
    ratio(
      'boundOkta',
      'bound: Gatehouse open route (no auth at all) ÷ @okta/jwt-verifier',
      'ceiling',
      'oktaBearer',
      times,
    ),
    ratio(
      'boundFirstSight',
      "bound: first sight, jose's jwtVerify alone on bare node:http ÷ open route",
      'joseFirstSight',
      'ceiling',
    ),
    ratio(
      'firstSightVsJose',
      "Bearer, first sight ÷ jose's jwtVerify alone on bare node:http",
      'bearerFirstSight',
      'joseFirstSight',
    ),
    ratio(
      'boundProxy',
      'bound: a bare node:http proxy ÷ the same call made directly',
      'bareProxy',
      'remoteDirect',
    ),
    ratio(
      'proxyVsBare',
      'a remote-API call through the proxy ÷ through a bare node:http proxy',
      'remoteProxy',
      'bareProxy',
    ),
    under(
      'memoryPerSession',
      `memory per idle session at ${settings.sessions.toLocaleString('en-US')} sessions < 4 KiB`,
      perSession,
      4096,
      `${Math.round(perSession).toLocaleString('en-US')} B`,
    ),
    under(
      'reactBundle',
      '@gatehouse/react min+gzip < 4 KiB',
      bundle,
      4096,
      `${(bundle / 1024).toFixed(2)} KiB`,
    ),
  ];
}
