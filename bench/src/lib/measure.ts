// One measured run of a throughput phase: autocannon in its own process (load.mjs) against the
// phase's URL, and the CPU time the server (and any process behind it) used while measured.
import type { Child } from './child.js';
import { runToEnd } from './child.js';
import type { DpopLoad } from './dpop.js';
import type { LoadResult, Phase } from './report.js';

export interface PlannedPhase extends Phase {
  url?: string;
  headers?: Record<string, string>;
  tokensFile?: string;
  /** A DPoP-bound token and its key: a fresh proof with each request. */
  dpop?: DpopLoad;
  /** Ports of other processes on the path whose CPU counts too (the proxy's upstream). */
  cpuAlso?: number[];
}

export interface MeasureContext {
  settings: { rounds: number; connections: number; duration: number; warmup: number };
  /** The server behind each port, to read its CPU time around a measured run. */
  servers: Map<number, Child<unknown>>;
  log: (line: string) => void;
  failures: string[];
}

const cpuOf = async (children: Child<unknown>[]) =>
  (await Promise.all(children.map((child) => child.cpu()))).reduce((a, b) => a + b, 0);

/** Where a run sits: its round, and its place among all the measured runs (lib/pairing.ts). */
export interface RunPlace {
  round: number;
  step: number;
}

/** What load.mjs is asked to send: the URL, its headers or credentials, and the settings. */
export interface LoadSpec {
  url: string;
  connections: number;
  duration: number;
  warmup: number;
  headers: Record<string, string>;
  tokensFile?: string;
  dpop?: DpopLoad;
}

/**
 * One autocannon run in its own process (load.mjs), with the CPU time `servers` used while it
 * was measured (the warm-up left out) as `cpuPerRequest`.
 */
export async function loadRun(spec: LoadSpec, servers: Child<unknown>[]): Promise<LoadResult> {
  let cpuBefore: Promise<number> | undefined;
  const result = await runToEnd<LoadResult>('load.mjs', spec, [], (message) => {
    if (message.type === 'measuring') cpuBefore = cpuOf(servers);
  });
  result.cpuPerRequest = ((await cpuOf(servers)) - (await cpuBefore!)) / result.requests;
  return result;
}

export async function measure(
  phase: PlannedPhase,
  { round, step }: RunPlace,
  { settings, servers, log, failures }: MeasureContext,
): Promise<void> {
  log(`round ${round + 1}/${settings.rounds}: ${phase.label} (${phase.server})`);
  const ports = [Number(new URL(phase.url!).port), ...(phase.cpuAlso ?? [])];
  const children = ports.map((port) => servers.get(port)!);
  try {
    const result = await loadRun(
      {
        url: phase.url!,
        connections: settings.connections,
        duration: settings.duration,
        warmup: settings.warmup,
        headers: phase.headers ?? {},
        ...(phase.tokensFile && { tokensFile: phase.tokensFile }),
        ...(phase.dpop && { dpop: phase.dpop }),
      },
      children,
    );
    Object.assign(result, { round, step });
    phase.runs.push(result);
    if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
      throw new Error(
        `${result.non2xx} non-2xx and ${result.errors} errors of ${result.requests} requests`,
      );
    }
  } catch (error) {
    phase.failed = true;
    phase.note = `failed: ${error instanceof Error ? error.message : String(error)}`;
    failures.push(`${phase.label}: ${phase.note}`);
  }
}

/** One request before the load: the credentials work and the route answers as expected. */
export async function expectAuthenticated(
  url: string,
  headers: Record<string, string>,
  via: string,
) {
  const response = await fetch(url, { headers });
  const body = (await response.json()) as { via?: string };
  if (response.status !== 200 || body.via !== via) {
    throw new Error(
      `${url} answered ${response.status} ${JSON.stringify(body)} (expected 200 via ${via})`,
    );
  }
}
