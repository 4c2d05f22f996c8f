// Gatehouse on Express 5, in the peers' app shape (targets/express-openid-connect.ts,
// targets/okta-jwt-verifier.ts): one app, `gatehouseExpress` mounted as docs/adapters/express.md
// says, an open `/healthz` and `/secure-data` behind `requireAuth` (session cookie or Bearer).
// The same-framework comparison: the Fastify demo's figures are Fastify's as much as ours.
import { createGatehouse } from '@gatehouse/server';
import { gatehouseExpress, requireAuth } from '@gatehouse/server/express';
import express from 'express';
import { fail, listenUntilStopped, specOf } from '../lib/child.js';
import { benchGatehouseOptions, type GatehouseTargetSpec } from '../lib/gatehouse-options.js';

async function main() {
  const spec = specOf<GatehouseTargetSpec>();
  const gatehouse = createGatehouse(benchGatehouseOptions(spec));
  const app = express();
  app.use(gatehouseExpress(gatehouse));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/secure-data', requireAuth(gatehouse), (req, res) => {
    res.json({
      message: 'You are authenticated!',
      user: req.auth!.user.name ?? req.auth!.user.sub,
      via: req.auth!.via,
      at: new Date().toISOString(),
    });
  });
  await listenUntilStopped(app, spec.port);
}

main().catch(fail);
