// The order of the phases within a round. This machine's speed moves by a third within tens of
// seconds, so a phase judged against the open route (the ceiling) is measured between two
// ceiling runs, and each ceiling run between two judged phases serves both of them:
// ceiling, A, ceiling, B, ceiling, ... The other phases keep their place in the table's order.
import type { PhaseId } from './report.js';

/** The phases judged by their share of the ceiling beside them (lib/pairing.ts, shareFactor). */
export const JUDGED_BY_CEILING: ReadonlySet<PhaseId> = new Set<PhaseId>([
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
]);

/**
 * Where the ceiling runs: `between` every two judged phases (and before the first, after the
 * last); at both `ends` of the round only (quick mode, which checks the harness, not figures).
 */
export type CeilingPlacement = 'between' | 'ends';

/**
 * One round's order, from the phases that run in it (in the table's order, skipped ones left
 * out). Without the ceiling among them no ceiling runs, and no phase has a share of it.
 */
export function roundOrder(phases: readonly PhaseId[], placement: CeilingPlacement): PhaseId[] {
  const others = phases.filter((id) => id !== 'ceiling');
  if (others.length === phases.length) return others;
  if (placement === 'ends') return others.length ? ['ceiling', ...others, 'ceiling'] : ['ceiling'];
  const order: PhaseId[] = [];
  const ceiling = () => {
    if (order.at(-1) !== 'ceiling') order.push('ceiling');
  };
  for (const id of others) {
    if (!JUDGED_BY_CEILING.has(id)) {
      order.push(id);
      continue;
    }
    ceiling();
    order.push(id);
    ceiling();
  }
  // No judged phase ran: the ceiling still runs once, first, for the bounds.
  if (!order.includes('ceiling')) order.unshift('ceiling');
  return order;
}
