// `npm run bench:guard-steps`: the cookie guard's cost over HTTP, step by step. One demo backend
// per store (memory, SQLite) with routes that stop the guard after each of its steps
// (targets/guard-steps.ts); autocannon drives each route in turn, round after round, so a
// machine that slows down slows every step alike. Reports the server's CPU µs per request of
// each step and what it adds to the one before. `npm run bench:cookie-path` times the same steps
// in a loop, where they cost less: docs/benchmarks.md reads the two together.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildChildren } from './lib/build.js';
import { killAll, start, useCompiled, type Child } from './lib/child.js';
import { loadRun } from './lib/measure.js';
import { describeMachine, loadNow } from './lib/machine.js';
import { median } from './lib/median.js';
import { freePort } from './lib/net.js';
import { GUARD_STEPS, type GuardStepsSpec } from './lib/guard-steps.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    duration: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '0.5' },
  },
});
const settings = {
  rounds: Math.max(1, Number(args.rounds)),
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  connections: 16,
};

interface Server {
  store: string;
  child: Child<{ cookie: string }>;
  url: (path: string) => string;
  /** CPU µs per request of each step, one entry per round. */
  cpu: number[][];
}

/** One autocannon run against `path`: the server's CPU µs per request. */
async function cpuPerRequest(server: Server, path: string): Promise<number> {
  const headers = { cookie: server.child.ready.cookie };
  const result = await loadRun({ ...settings, url: server.url(path), headers }, [server.child]);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${server.store} ${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return result.cpuPerRequest!;
}

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-guard-steps-'));
const compiled = fileURLToPath(
  new URL(`../node_modules/.cache/gatehouse-bench/steps-${process.pid}`, import.meta.url),
);
const servers: Server[] = [];
try {
  const machine = describeMachine();
  await buildChildren(compiled);
  useCompiled(compiled);
  for (const store of ['memory', `sqlite:${join(dir, 'sessions.db')}`]) {
    const port = await freePort();
    const spec: GuardStepsSpec = { port, sessionStore: store };
    const child = await start<{ cookie: string }>('targets/guard-steps.ts', spec);
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    servers.push({ store: store.split(':')[0]!, child, url, cpu: GUARD_STEPS.map(() => []) });
  }
  for (let round = 0; round < settings.rounds; round++) {
    process.stderr.write(`[guard-steps] round ${round + 1}/${settings.rounds}\n`);
    for (const server of servers) {
      for (const [i, [path]] of GUARD_STEPS.entries()) {
        server.cpu[i]!.push(await cpuPerRequest(server, path));
      }
    }
  }
  console.log(
    `${machine.cores} cores, ${machine.cpu}, Node ${machine.node}; load average ${machine.loadBefore} before, ${loadNow()} after`,
  );
  console.log(
    `${settings.rounds} rounds of ${settings.warmup} s warm-up + ${settings.duration} s per step, ${settings.connections} connections; medians over rounds\n`,
  );
  for (const server of servers) {
    console.log(`| ${server.store} store: step | CPU µs/request | added by the step |`);
    console.log('| --- | ---: | ---: |');
    for (const [i, [path, step]] of GUARD_STEPS.entries()) {
      const own = median(server.cpu[i]!);
      // Differences taken round by round: a slow round moves both sides of one difference.
      const added =
        i === 0
          ? ''
          : median(server.cpu[i]!.map((cpu, round) => cpu - server.cpu[i - 1]![round]!)).toFixed(1);
      console.log(`| ${step} (\`${path}\`) | ${own.toFixed(1)} | ${added} |`);
    }
    console.log('');
  }
} finally {
  for (const server of servers) await server.child.stop();
  killAll();
  rmSync(dir, { recursive: true, force: true });
  rmSync(compiled, { recursive: true, force: true });
}
