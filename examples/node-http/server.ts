/**
 * The seed tutorial's backend on plain `node:http` with Gatehouse.
 *
 *   node --conditions=@gatehouse/source --import tsx examples/node-http/server.ts
 *
 * reads the same environment variables (and `.env`) as `npm run serve`.
 */
import { createGatehouse, type GatehouseOptions } from '@gatehouse/server';
import {
  gatehouseCors,
  gatehouseNode,
  optionalAuth,
  requireAuth,
  requireGroup,
  requireScope,
} from '@gatehouse/server/node';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mainIfRun, running, type Listen, type Running } from '../run.js';

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export async function start(
  options: GatehouseOptions,
  { port = 7156, host = 'localhost', names }: Listen = {},
): Promise<Running> {
  const gatehouse = createGatehouse(options, names);
  const gatehouseRoutes = gatehouseNode(gatehouse);
  const cors = gatehouseCors(gatehouse);
  const signedIn = requireAuth(gatehouse);
  const admins = requireAuth(gatehouse, requireGroup('admins'));
  const reporters = requireAuth(gatehouse, requireScope('reports:read'));
  const maybeSignedIn = optionalAuth(gatehouse);

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    try {
      // Gatehouse's routes first; then CORS for FRONTEND_URL on the app's own answers.
      if ((await gatehouseRoutes(req, res)) || cors(req, res)) return;
      const route = `${req.method} ${path}`;
      if (route === 'GET /healthz') return json(res, 200, { status: 'ok' });
      if (route === 'GET /secure-data') {
        const auth = await signedIn(req, res);
        if (!auth) return; // already answered 401/403
        return json(res, 200, {
          message: 'You are authenticated!',
          user: auth.user.name ?? auth.user.sub,
          via: auth.via,
        });
      }
      if (route === 'POST /secure-data') {
        if (!(await signedIn(req, res))) return; // CSRF is checked here too: 403 without X-CSRF
        return json(res, 200, { changed: true });
      }
      if (route === 'GET /admin-data') {
        const auth = await admins(req, res);
        if (auth) json(res, 200, { message: 'You are an admin!', groups: auth.groups });
        return;
      }
      if (route === 'GET /reports') {
        const auth = await reporters(req, res);
        if (auth) json(res, 200, { scopes: auth.scopes });
        return;
      }
      if (route === 'GET /hello' || route === 'POST /hello') {
        // Signed in or not: the caller or null (a CSRF failure is still answered 403).
        const auth = await maybeSignedIn(req, res);
        if (auth === undefined) return; // already answered
        return json(res, 200, { user: auth?.user.sub ?? null, via: auth?.via ?? null });
      }
      json(res, 404, { error: 'not_found', error_description: `No route ${route}` });
    } catch (error) {
      // The app's own failures: Gatehouse's JSON error (a generic 500), never a stack trace.
      const response = gatehouse.errorResponse(error, `${req.method} ${path}`);
      if (res.headersSent) res.destroy();
      else res.writeHead(response.status, response.headers).end(response.body);
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: actual } = server.address() as AddressInfo;
  return running(server, gatehouse, `http://${host}:${actual}`);
}

await mainIfRun(import.meta.url, 'node:http', start);
