// Gatehouse on plain node:http (@gatehouse/server/node), the host its bounds run on
// (targets/jose-verifier.ts, targets/bare-proxy.ts): no framework on either side of a ratio.
// `gatehouseNode` serves Gatehouse's routes and the remote API of the proxy phase; `/healthz`
// is open and `/secure-data` behind `requireAuth`, as in the Fastify demo.
import { createGatehouse } from '@gatehouse/server';
import { gatehouseNode, requireAuth } from '@gatehouse/server/node';
import { createServer } from 'node:http';
import { fail, serveHttpUntilStopped, specOf, writeJson } from '../lib/child.js';
import { benchGatehouseOptions, type GatehouseTargetSpec } from '../lib/gatehouse-options.js';

async function main() {
  const spec = specOf<GatehouseTargetSpec>();
  const gatehouse = createGatehouse(benchGatehouseOptions(spec));
  const routes = gatehouseNode(gatehouse);
  const guard = requireAuth(gatehouse);
  const server = createServer(async (req, res) => {
    if (await routes(req, res)) return;
    const path = req.url?.split('?', 1)[0];
    if (path === '/healthz') return writeJson(res, 200, { status: 'ok' });
    if (path !== '/secure-data') return writeJson(res, 404, { error: 'not_found' });
    const auth = await guard(req, res);
    if (!auth) return;
    writeJson(res, 200, {
      message: 'You are authenticated!',
      user: auth.user.name ?? auth.user.sub,
      via: auth.via,
      at: new Date().toISOString(),
    });
  });
  server.on('close', () => void gatehouse.close());
  await serveHttpUntilStopped(server, spec.port);
}

main().catch(fail);
