// The load generator, in its own process so it never shares the measured server's event loop.
// Runs autocannon programmatically: an optional warm-up (discarded), then the measured run.
// Spec (argv[2], JSON): { url, connections, duration, warmup, headers, tokensFile?, dpop? }.
// With `tokensFile` (a JSON array of Bearer tokens), each request takes the next token of one
// sequence shared by every connection, so the server sees them in a fixed cycle.
// With `dpop` (lib/dpop.ts), each request sends the one DPoP-bound token with the next of
// `dpop.proofs` proofs, all signed before the run: a proof is accepted once, and signing them
// here during the run would load this process, not the server.
import autocannon from 'autocannon';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT } from 'jose';

const spec = JSON.parse(process.argv[2]);
const tokens = spec.tokensFile ? JSON.parse(readFileSync(spec.tokensFile, 'utf8')) : undefined;
const proofs = spec.dpop ? await signProofs(spec.dpop) : undefined;
// One sequence across the warm-up and the measured run: the cycle never restarts.
let next = 0;

async function signProofs({ token, privateJwk, htu, proofs: count }) {
  const key = await importJWK(privateJwk, 'ES256');
  const { d: _private, ...jwk } = privateJwk;
  const ath = createHash('sha256').update(token).digest('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const signed = [];
  for (let i = 0; i < count; i++) {
    signed.push(
      new SignJWT({ jti: randomUUID(), htm: 'GET', htu, iat, ath })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .sign(key),
    );
  }
  return Promise.all(signed);
}

function dpopRequest(request) {
  if (next === proofs.length)
    process.stderr.write(`[load] the ${proofs.length} DPoP proofs ran out\n`);
  const proof = proofs[next++ % proofs.length];
  const headers = { ...request.headers, authorization: `DPoP ${spec.dpop.token}`, dpop: proof };
  return { ...request, headers };
}

function options(duration) {
  const base = {
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration,
    headers: spec.headers ?? {},
  };
  if (proofs) return { ...base, requests: [{ method: 'GET', setupRequest: dpopRequest }] };
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
