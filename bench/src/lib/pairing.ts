// Ratios between two phases, computed run by run within a round and reported as the median over
// rounds, so a machine that slows down between rounds moves both sides. The ceiling runs several
// times a round (lib/plan.ts): a run is compared with the ceiling runs nearest to it in the order.
import { median } from './median.js';
import type { LoadResult, Phase, PhaseId } from './phase.js';

type Figures = Pick<LoadResult, 'rps' | 'cpuPerRequest'>;

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const roundOf = (run: LoadResult, index: number) => run.round ?? index;

/**
 * The ceiling beside `run`: the mean of the ceiling runs of its round nearest to it in the
 * order. For a phase judged against the ceiling, the run just before it and the one just after.
 */
export function ceilingBeside(ceiling: LoadResult[], run: LoadResult): Figures | undefined {
  if (run.step === undefined) return undefined;
  const distance = (other: LoadResult) => Math.abs((other.step ?? NaN) - run.step!);
  const candidates = ceiling.filter(
    (other) => other.round === run.round && Number.isFinite(distance(other)),
  );
  if (!candidates.length) return undefined;
  const nearest = Math.min(...candidates.map(distance));
  const beside = candidates.filter((other) => distance(other) === nearest);
  return {
    rps: mean(beside.map((other) => other.rps)),
    cpuPerRequest: mean(beside.map((other) => other.cpuPerRequest ?? NaN)),
  };
}

const usable = (phases: Phase[], id: PhaseId) =>
  phases.find((phase) => phase.id === id && !phase.failed && phase.runs.length > 0);

/** Each run of `a` with what it is compared with in `b`: the same round's run, or the ceiling beside it. */
function pairs(phases: Phase[], a: PhaseId, b: PhaseId): Array<[Figures, Figures]> {
  const [pa, pb] = [usable(phases, a), usable(phases, b)];
  if (!pa || !pb) return [];
  const besideCeiling = (ceiling: Phase, runs: LoadResult[]) =>
    runs.flatMap((run) => {
      const beside = ceilingBeside(ceiling.runs, run);
      return beside ? [[run, beside] as [Figures, Figures]] : [];
    });
  if (b === 'ceiling') return besideCeiling(pb, pa.runs);
  if (a === 'ceiling') return besideCeiling(pa, pb.runs).map(([run, beside]) => [beside, run]);
  return pa.runs.flatMap((run, i) => {
    const other = pb.runs.find((candidate, j) => roundOf(candidate, j) === roundOf(run, i));
    return other ? [[run, other] as [Figures, Figures]] : [];
  });
}

/** Median over rounds of `a`'s req/s ÷ `b`'s req/s within the round. */
export function factor(phases: Phase[], a: PhaseId, b: PhaseId): number {
  return median(pairs(phases, a, b).map(([x, y]) => x.rps / y.rps));
}

/** Median over rounds of `b`'s CPU per request ÷ `a`'s: how many of `a`'s requests one of `b`'s costs. */
export function cpuFactor(phases: Phase[], a: PhaseId, b: PhaseId): number {
  return median(
    pairs(phases, a, b).map(([x, y]) => (y.cpuPerRequest ?? NaN) / (x.cpuPerRequest ?? NaN)),
  );
}

/** `a`'s runs and `b`'s, each with the ceiling beside it, matched by round. */
function sharePairs(phases: Phase[], a: PhaseId, b: PhaseId) {
  const [pa, pb, ceiling] = [usable(phases, a), usable(phases, b), usable(phases, 'ceiling')];
  if (!pa || !pb || !ceiling) return [];
  return pa.runs.flatMap((run, i) => {
    const other = pb.runs.find((candidate, j) => roundOf(candidate, j) === roundOf(run, i));
    const [besideA, besideB] = [run, other].map((x) => x && ceilingBeside(ceiling.runs, x));
    return other && besideA && besideB ? [{ run, besideA, other, besideB }] : [];
  });
}

/**
 * Median over rounds of `a`'s share of the ceiling beside it ÷ `b`'s share of the ceiling
 * beside it: two phases measured minutes apart, with the machine's drift between them taken out.
 */
export function shareFactor(phases: Phase[], a: PhaseId, b: PhaseId): number {
  return median(
    sharePairs(phases, a, b).map(
      ({ run, besideA, other, besideB }) => run.rps / besideA.rps / (other.rps / besideB.rps),
    ),
  );
}

/** The same by CPU per request: `b`'s cost relative to its ceiling ÷ `a`'s. */
export function cpuShareFactor(phases: Phase[], a: PhaseId, b: PhaseId): number {
  const cost = (x: Figures, ceiling: Figures) =>
    (x.cpuPerRequest ?? NaN) / (ceiling.cpuPerRequest ?? NaN);
  return median(
    sharePairs(phases, a, b).map(
      ({ run, besideA, other, besideB }) => cost(other, besideB) / cost(run, besideA),
    ),
  );
}
