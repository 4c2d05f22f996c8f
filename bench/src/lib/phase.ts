// A throughput phase and what one run of it measured: shared by the report, the pairing of
// runs and the measuring.
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
  /** The round of this run (from 0), and its place among all the measured runs (from 0). */
  round?: number;
  step?: number;
}

export type PhaseId =
  | 'ceiling'
  | 'constantCaller'
  | 'constantCallerBearer'
  | 'cookieSqlite'
  | 'constantCallerMemory'
  | 'cookieMemory'
  | 'constantCallerRedis'
  | 'cookieRedis'
  | 'constantCallerPostgres'
  | 'cookiePostgres'
  | 'bearerRepeated'
  | 'bearerFirstSight'
  | 'nodeFirstSight'
  | 'joseFirstSight'
  | 'dpopRepeated'
  | 'joseDpop'
  | 'expressCookie'
  | 'eocCookie'
  | 'expressCeiling'
  | 'expressBearer'
  | 'oktaBearer'
  | 'remoteDirect'
  | 'remoteProxy'
  | 'nodeProxy'
  | 'bareProxy';

/** One throughput phase: a route of a server with a credential, run once per round. */
export interface Phase {
  id: PhaseId;
  label: string;
  server: string;
  /** One run per round; the ceiling's: all its runs, several per round (lib/plan.ts). */
  runs: LoadResult[];
  /** The run with the median req/s (its latencies go with it). */
  median?: LoadResult;
  /** Median over rounds of req/s ÷ the ceiling beside the run (lib/pairing.ts). */
  ofCeiling?: number;
  /** Median over the runs of the server's CPU µs per request. */
  cpuPerRequest?: number;
  /** Median over rounds of the CPU µs per request of the ceiling beside the run ÷ this phase's. */
  ofCeilingCpu?: number;
  /** (max − min) ÷ median req/s over the runs. */
  spread?: number;
  /** Why there is no figure (skipped or failed). */
  note?: string;
  failed?: boolean;
}
