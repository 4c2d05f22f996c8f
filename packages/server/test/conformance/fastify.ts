/**
 * The Fastify starter, on its own so the Fastify plugin's owner can adapt it: the plugin, its
 * opt-in CORS for the app's routes, and the routes the suite needs (see suite.ts).
 */
import { createGatehouse } from '@gatehouse/server';
import {
  gatehouseAuth,
  gatehouseCors,
  gatehouseFastify,
  requireAuth,
  requireGroup,
  requireScope,
  type Rule,
} from '@gatehouse/server/fastify';
import Fastify from 'fastify';
import type { Start } from './suite.js';

export const startFastify: Start = async ({ port, options }) => {
  const gatehouse = createGatehouse(options);
  const app = Fastify();
  await app.register(gatehouseAuth);
  await app.register(gatehouseFastify, { gatehouse });
  app.addHook('onRequest', gatehouseCors(gatehouse));
  const guard = (...rules: Rule[]) => ({ preHandler: requireAuth(gatehouse, ...rules) });
  app.get('/secure-data', guard(), async (request) => ({
    message: 'You are authenticated!',
    via: request.auth!.via,
  }));
  app.post('/secure-data', guard(), async () => ({ changed: true }));
  app.get('/admin-data', guard(requireGroup('admins')), async (request) => ({
    groups: request.auth!.groups,
  }));
  app.get('/reports', guard(requireScope('reports:read')), async (request) => ({
    scopes: request.auth!.scopes,
  }));
  await app.listen({ port, host: 'localhost' });
  return {
    url: `http://localhost:${port}`,
    gatehouse,
    async close() {
      await app.close();
      await gatehouse.close();
    },
  };
};
