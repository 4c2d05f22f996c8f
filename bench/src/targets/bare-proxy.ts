// A bound, not Gatehouse: the least a Node proxy costs on this machine. `node:http` in front of
// the proxy phase's upstream with a keep-alive agent, as Gatehouse's remote-API handler has, and
// nothing else: no framework, no session, no token lookup, no header or path checks. What the
// proxy ÷ direct target can reach here is at most what this reaches.
import http from 'node:http';
import { fail, serveHttpUntilStopped, specOf } from '../lib/child.js';

export interface BareProxySpec {
  port: number;
  upstreamPort: number;
  /** The `Authorization` header sent upstream: the direct phase's own. */
  authorization: string;
}

async function main() {
  const spec = specOf<BareProxySpec>();
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: spec.upstreamPort,
        path: req.url,
        method: req.method,
        headers: { authorization: spec.authorization },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, {
          'content-type': answer.headers['content-type'],
          'content-length': answer.headers['content-length'],
        });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end();
  });
  await serveHttpUntilStopped(server, spec.port);
}

main().catch(fail);
