// The load generator, in its own process so it never shares the measured server's event loop.
// Runs autocannon programmatically: an optional warm-up (discarded), then the measured run.
// Spec (argv[2], JSON): { url, connections, duration, warmup, headers, tokensFile? }.
// With `tokensFile` (a JSON array of Bearer tokens), each request takes the next token of one
// sequence shared by every connection, so the server sees them in a fixed cycle.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

const spec = JSON.parse(process.argv[2]);
const tokens = spec.tokensFile ? JSON.parse(readFileSync(spec.tokensFile, 'utf8')) : undefined;
// One sequence across the warm-up and the measured run: the cycle never restarts.
let next = 0;

function options(duration) {
  const base = {
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration,
    headers: spec.headers ?? {},
  };
  if (!tokens) return base;
  return {
    ...base,
    requests: [
      {
        method: 'GET',
        setupRequest(request) {
          const token = tokens[next++ % tokens.length];
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
  };
}

function run(duration) {
  return new Promise((resolve, reject) => {
    autocannon(options(duration), (error, result) => (error ? reject(error) : resolve(result)));
  });
}

try {
  if (spec.warmup > 0) await run(spec.warmup);
  // The parent reads the server's CPU time now and at the end: the measured run's cost.
  await new Promise((resolve) => process.send({ type: 'measuring' }, resolve));
  const result = await run(spec.duration);
  process.send({
    type: 'result',
    result: {
      rps: result['2xx'] / result.duration,
      requests: result.requests.total,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      duration: result.duration,
      latency: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
    },
  });
} catch (error) {
  process.send({ type: 'error', error: String(error?.stack ?? error) });
  process.exitCode = 1;
}
