// A remote API for the proxy phases: `node:http`, any path answers a small JSON body, the
// Bearer token is not verified (the same work whether it is called directly or through the
// backend, so the difference is the proxy's cost).
import { createServer } from 'node:http';
import { fail, serveHttpUntilStopped, specOf } from '../lib/child.js';

async function main() {
  const spec = specOf<{ port: number }>();
  const body = JSON.stringify({ orders: [{ id: 1, item: 'tea' }], via: 'bearer' });
  const server = createServer((req, res) => {
    const ok = /^Bearer ./.test(req.headers.authorization ?? '');
    const answer = ok ? body : '{"error":"invalid_token"}';
    // A length, as Express's res.json() and Fastify send for a JSON body.
    res.writeHead(ok ? 200 : 401, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(answer),
    });
    res.end(answer);
  });
  await serveHttpUntilStopped(server, spec.port);
}

main().catch(fail);
