// The performance targets (docs/architecture.md, "Performance targets"), checked against one
// run: eleven ratios, each beside its own bound, with a floor (PASS or MISS) and an aim. Every ratio is a
// median over rounds of the ratio within a round; the CPU-based ratio sits beside it, since on
// a shared machine a request's CPU time moves less than req/s does.
import type { FlowsPhase } from './flows-phase.js';
import { median } from './median.js';
import { cpuFactor, cpuShareFactor, factor, shareFactor } from './pairing.js';
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

/**
 * The eleven targets of docs/architecture.md ("Performance targets"), in its order: each path
 * judged against its own bound, measured in the same run. `n/a` when a side did not run.
 */
export function checkTargets(report: Run): Target[] {
  const { phases } = report;
  /** Both sides judged against the ceiling: each side's share of the ceiling beside it. */
  const besideBound = (a: PhaseId, b: PhaseId) =>
    [shareFactor(phases, a, b), cpuShareFactor(phases, a, b)] as const;
  /** Run by run within a round (the peers, the proxies: placed side by side in the order). */
  const versus = (a: PhaseId, b: PhaseId) =>
    [factor(phases, a, b), cpuFactor(phases, a, b)] as const;
  /** Judged against the calibration route of its own backend (the same process). */
  const cookie = (id: PhaseId, calibration: PhaseId, store: string, limits: [number, number]) =>
    row(
      id,
      `session cookie, ${store} ÷ calibration (the same handler, no guard, same backend)`,
      'share',
      limits,
      ...besideBound(id, calibration),
    );
  const flows = flowsFactors(report.flows);
  return [
    cookie('cookieMemory', 'constantCallerMemory', 'memory store', [0.92, 0.97]),
    cookie('cookieSqlite', 'constantCaller', 'SQLite store (the default)', [0.88, 0.95]),
    cookie(
      'cookieRedis',
      'constantCallerRedis',
      'Redis store with its in-process cache',
      [0.85, 0.95],
    ),
    cookie('cookiePostgres', 'constantCallerPostgres', 'Postgres store', [0.8, 0.9]),
    row(
      'bearerRepeated',
      'Bearer, repeated token ÷ calibration with the Bearer header',
      'share',
      [0.92, 0.97],
      ...besideBound('bearerRepeated', 'constantCallerBearer'),
    ),
    row(
      'bearerFirstSight',
      "Bearer, first sight, on node:http ÷ jose's jwtVerify alone on node:http, same tokens",
      'share',
      [0.9, 1],
      ...besideBound('nodeFirstSight', 'joseFirstSight'),
    ),
    row(
      'dpopRepeated',
      'DPoP-bound, a new proof each request ÷ Bearer, first sight',
      'share',
      [0.8, 0.95],
      ...besideBound('dpopRepeated', 'bearerFirstSight'),
    ),
    row(
      'remoteProxy',
      'a remote-API call through the backend on node:http ÷ through a bare node:http proxy',
      'share',
      [0.9, 1.2],
      ...versus('nodeProxy', 'bareProxy'),
    ),
    row(
      'expressCookie',
      'on Express: session cookie (SQLite) ÷ express-openid-connect on the same Express',
      'times',
      [3, 3.3],
      ...versus('expressCookie', 'eocCookie'),
    ),
    row(
      'expressBearer',
      'on Express: Bearer, repeated ÷ @okta/jwt-verifier on the same Express',
      'times',
      [3, 3.3],
      ...versus('expressBearer', 'oktaBearer'),
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

/** Figures reported under the eleven: what helps read them, and the other targets of the design. */
export function reportedFigures(report: Run): Target[] {
  const { phases, settings } = report;
  const percent = (value: number) =>
    Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
  const share = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
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
      'boundFirstSight',
      "bound: first sight, jose's jwtVerify alone on bare node:http ÷ open route",
      'joseFirstSight',
      'ceiling',
    ),
    reported(
      'fastifyFirstSight',
      "on Fastify (the demo): Bearer, first sight ÷ jose's jwtVerify alone on node:http",
      share(shareFactor(phases, 'bearerFirstSight', 'joseFirstSight')),
    ),
    reported(
      'boundDpop',
      "bound: DPoP ÷ first sight, both with jose alone on bare node:http (the DPoP one records each proof's jti in SQLite)",
      share(shareFactor(phases, 'joseDpop', 'joseFirstSight')),
    ),
    reported(
      'dpopOfBound',
      'DPoP-bound, a new proof each request ÷ the same with jose and SQLite alone on bare node:http',
      share(shareFactor(phases, 'dpopRepeated', 'joseDpop')),
    ),
    reported(
      'fastifyProxy',
      'on Fastify (the demo): a remote-API call through the backend ÷ through a bare node:http proxy',
      share(factor(phases, 'remoteProxy', 'bareProxy')),
    ),
    ratio(
      'boundProxy',
      'bound: a bare node:http proxy ÷ the same call made directly',
      'bareProxy',
      'remoteDirect',
    ),
    ratio(
      'expressCookieOfOpen',
      "on Express: session cookie (SQLite) ÷ Express's own open route",
      'expressCookie',
      'expressCeiling',
    ),
    ratio(
      'expressBearerOfOpen',
      "on Express: Bearer, repeated ÷ Express's own open route",
      'expressBearer',
      'expressCeiling',
    ),
    ratio(
      'fastifyVsEoc',
      'across frameworks: session cookie (SQLite) on Fastify ÷ express-openid-connect on Express',
      'cookieSqlite',
      'eocCookie',
      times,
    ),
    ratio(
      'fastifyVsOkta',
      'across frameworks: Bearer, repeated on Fastify ÷ @okta/jwt-verifier on Express',
      'bearerRepeated',
      'oktaBearer',
      times,
    ),
    ratio(
      'boundFastifyOverExpress',
      "bound: Fastify's open route ÷ Express's open route (the frameworks alone)",
      'ceiling',
      'expressCeiling',
      times,
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
