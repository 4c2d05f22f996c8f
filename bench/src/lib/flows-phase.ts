// Sign-in flows per second for each backend at the same dev IdP, with the same users, duration
// and credentials: the flow driver (flows.ts) runs once per round against each backend in turn
// (the order swapped every other round), and the ratio is taken within each round.
import type { FlowsResult, FlowsSpec } from '../flows.js';
import { runToEnd, type Child } from './child.js';
import { median } from './median.js';

export type FlowsPhaseId = 'flows' | 'eocFlows';

export interface FlowsBackend {
  id: FlowsPhaseId;
  server: string;
  /** The backend's process, whose CPU time is read around each run. */
  child: Child<unknown>;
  spec: Pick<FlowsSpec, 'backendUrl' | 'loginPath' | 'callbackPath' | 'cookieName'>;
}

export interface FlowsRun extends FlowsResult {
  /** The backend's CPU time (user + system) during the run ÷ completed flows, µs. */
  cpuPerFlow?: number;
}

export interface FlowsPhase {
  id: FlowsPhaseId;
  server: string;
  runs: FlowsRun[];
  /** The run with the median flows per second. */
  median?: FlowsRun;
  /** (max − min) ÷ median flows per second over the rounds. */
  spread?: number;
  failed?: boolean;
}

interface FlowsSettings {
  users: number;
  duration: number;
  rounds: number;
  credentials: FlowsSpec['credentials'];
}

export async function runFlows(
  backends: FlowsBackend[],
  settings: FlowsSettings,
  log: (line: string) => void,
  failures: string[],
): Promise<FlowsPhase[]> {
  const phases: FlowsPhase[] = backends.map(({ id, server }) => ({ id, server, runs: [] }));
  const order = backends.map((_, index) => index);
  for (let round = 0; round < settings.rounds; round++) {
    // Every other round the other backend goes first: the IdP's state grows as it runs.
    for (const index of round % 2 ? [...order].reverse() : order) {
      const [backend, phase] = [backends[index]!, phases[index]!];
      if (phase.failed) continue;
      log(`round ${round + 1}/${settings.rounds}: sign-in flows (${backend.server})`);
      try {
        const cpuBefore = await backend.child.cpu();
        const result = await runToEnd<FlowsRun>('flows.ts', {
          ...backend.spec,
          users: settings.users,
          duration: settings.duration,
          credentials: settings.credentials,
        } satisfies FlowsSpec);
        result.cpuPerFlow = ((await backend.child.cpu()) - cpuBefore) / result.flows;
        phase.runs.push(result);
        if (result.flows === 0 || result.failures > 0) {
          throw new Error(`${result.failures} failed (${result.firstFailure ?? 'none completed'})`);
        }
      } catch (error) {
        phase.failed = true;
        failures.push(`sign-in flows, ${backend.server}: ${String(error)}`);
      }
    }
  }
  for (const phase of phases) {
    if (phase.failed || phase.runs.length === 0) continue;
    const perSecond = phase.runs.map((run) => run.perSecond);
    const mid = median(perSecond);
    phase.median = phase.runs.find((run) => run.perSecond === mid);
    phase.spread = (Math.max(...perSecond) - Math.min(...perSecond)) / mid;
  }
  return phases;
}
