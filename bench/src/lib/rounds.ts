// The throughput rounds: every phase once per round, in the order lib/plan.ts gives, each run
// tagged with its round and its place among all runs (lib/pairing.ts pairs runs by them).
import { proofsForRun } from './dpop.js';
import { measure, type MeasureContext, type PlannedPhase } from './measure.js';
import { roundOrder, type CeilingPlacement } from './plan.js';

export async function measureRounds(
  plan: PlannedPhase[],
  runs: (phase: PlannedPhase) => boolean,
  placement: CeilingPlacement,
  context: MeasureContext,
): Promise<void> {
  const planned = new Map(plan.map((phase) => [phase.id, phase]));
  // The DPoP phase sizes its proofs on the repeated Bearer token's runs before its own first.
  const bearerRuns = planned.get('bearerRepeated')?.runs ?? [];
  let step = 0;
  for (let round = 0; round < context.settings.rounds; round++) {
    const running = plan.filter((phase) => phase.url && runs(phase) && !phase.failed);
    for (const id of roundOrder(
      running.map((phase) => phase.id),
      placement,
    )) {
      const phase = planned.get(id)!;
      if (phase.failed) continue; // a ceiling that failed earlier in the round
      if (phase.dpop) phase.dpop.proofs = proofsForRun(phase.runs, bearerRuns, context.settings);
      await measure(phase, { round, step: step++ }, context);
    }
  }
}
