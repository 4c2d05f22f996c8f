import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

/** The 1, 5 and 15 minute load averages, as the report prints them. */
export const loadNow = (): string =>
  loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');

/** What the report says about the machine, with its load before the run. */
export function describeMachine() {
  const cpu = cpus()[0];
  return {
    cores: availableParallelism(),
    cpu: `${cpu?.model.trim() ?? 'unknown'}${cpu?.speed ? ` @ ${cpu.speed} MHz` : ''}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadBefore: loadNow(),
  };
}

/** The load generator's version, for the report. */
export const autocannonVersion = (): string =>
  (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
