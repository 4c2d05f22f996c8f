/**
 * An "orders" API behind the remote-API proxy, on a port of the test's choosing: a resource
 * server for its own audience, api://orders, that verifies each call with Gatehouse's guard
 * (`gatehouse.authenticate`) and answers `GET /whoami` with what it saw of the caller.
 */
import { createGatehouse, type Gatehouse, type GatehouseOptions } from '@gatehouse/server';
import { createServer, type Server, type ServerResponse } from 'node:http';

/** The `remoteApis` entry that sends `/api/orders/*` to the orders API on `port`. */
export function ordersRemoteApi(port: number) {
  return {
    path: '/api/orders',
    upstream: `http://127.0.0.1:${port}`,
    resource: 'api://orders',
    scopes: 'orders:read',
  };
}

export interface OrdersApiOptions {
  port: number;
  issuer: string;
  frontendUrl: string;
  logger: GatehouseOptions['logger'];
  /** Require DPoP-bound tokens and the API's own DPoP nonces. */
  dpop?: boolean;
  /** The API's server around its verifier; by default the `GET /whoami` API below. */
  serve?: (verifier: Gatehouse) => Server;
}

/** What `GET /whoami` answers: the token's sub, aud and scopes, and the request's header names. */
export interface Whoami {
  sub: string;
  aud: string | string[];
  scope: readonly string[];
  scheme: 'Bearer' | 'DPoP';
  headers: string[];
}

export interface OrdersApi {
  server: Server;
  verifier: Gatehouse;
  close(): Promise<void>;
}

export async function startOrdersApi({
  port,
  issuer,
  frontendUrl,
  logger,
  dpop = false,
  serve = whoamiServer,
}: OrdersApiOptions): Promise<OrdersApi> {
  const verifier = createGatehouse({
    issuer,
    clientId: 'orders-api',
    clientSecret: 'unused',
    backendUrl: `http://127.0.0.1:${port}`,
    frontendUrl,
    sessionSecret: 'orders-api-secret-'.repeat(3),
    audience: 'api://orders',
    ...(dpop ? ({ accessTokenDpop: 'required', accessTokenDpopNonce: true } as const) : {}),
    logger,
  });
  const server = serve(verifier);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    verifier,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await verifier.close();
    },
  };
}

/** Answers `GET /whoami` with what the verifier saw of the caller's token. */
function whoamiServer(verifier: Gatehouse): Server {
  return createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?', 1)[0] !== '/whoami') {
      return json(res, 404, { error: 'not_found' });
    }
    // A token only: a call with a cookie and no token is refused like any other.
    const scheme = /^(bearer|dpop) /i.exec(req.headers.authorization ?? '')?.[1]?.toLowerCase();
    if (!scheme)
      return json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer' });
    try {
      const principal = await verifier.authenticate(req);
      const seen: Whoami = {
        sub: String(principal.claims.sub),
        aud: principal.claims.aud as Whoami['aud'],
        scope: principal.scopes,
        scheme: scheme === 'dpop' ? 'DPoP' : 'Bearer',
        headers: Object.keys(req.headers).sort(),
      };
      json(res, 200, seen);
    } catch (error) {
      const response = verifier.errorResponse(error, 'GET /whoami');
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    }
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
