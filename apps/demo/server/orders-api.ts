import type { Gatehouse } from '@gatehouse/server';
import { createServer, type Server, type ServerResponse } from 'node:http';

/**
 * The demo's "orders" API as a `node:http` server: `GET /whoami` answers the `sub`, `aud` and
 * `scope` of the token it was called with, its `scheme` (`Bearer`, or `DPoP` for a DPoP-bound
 * token sent with a proof, docs/dpop.md) and the names of the request headers it got (so the
 * demo shows no cookie arrives); `GET /healthz`. `gatehouse` verifies the tokens: it is
 * created with this API's audience (`api://orders`).
 */
export function ordersServer(gatehouse: Gatehouse): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz') return send(res, 200, { ok: true });
    if (path !== '/whoami' || req.method !== 'GET') {
      return send(res, 404, { error: 'not_found', error_description: 'No such order route.' });
    }
    // A token only: a request with a cookie and no token is refused like any other.
    const scheme = /^(bearer|dpop) /i.exec(req.headers.authorization ?? '')?.[1];
    if (!scheme) {
      return send(
        res,
        401,
        { error: 'invalid_token', error_description: 'A Bearer token is required.' },
        { 'www-authenticate': 'Bearer' },
      );
    }
    gatehouse.authenticate(req).then(
      (principal) => {
        send(res, 200, {
          sub: principal.claims.sub,
          aud: principal.claims.aud,
          scope: principal.scopes,
          scheme: scheme.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer',
          headers: Object.keys(req.headers).sort(),
        });
      },
      (error: unknown) => {
        const response = gatehouse.errorResponse(error, 'GET /whoami');
        res.writeHead(response.status, response.headers);
        res.end(response.body);
      },
    );
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
