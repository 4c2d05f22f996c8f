import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import type { Rule } from '../guard/rules.js';
import { readNodeBody, writeNodeResponse } from '../http/node.js';
import type { GatehouseResponse } from '../http/types.js';

/** Answers a request when it is Gatehouse's; resolves to whether it did. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Resolves to the caller, or to undefined once it has answered 401/403 JSON itself. */
export type NodeGuard = (
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<Principal | undefined>;

/**
 * Plain `node:http`: serves Gatehouse's routes (`/login`, `/signin-oidc`, `/logout`, `/me`,
 * `/backchannel-logout`, `/sessions`) and CORS preflights for them, with CORS headers for
 * FRONTEND_URL. Resolves to true when it answered; false when the request is the app's. Never
 * rejects: every failure is already a JSON response (or an HTML page for the sign-in pages).
 *
 * @example
 * ```ts
 * const gatehouseRoutes = gatehouseNode(gatehouse)
 * createServer(async (req, res) => {
 *   if (await gatehouseRoutes(req, res)) return
 *   // the app's own routes
 * })
 * ```
 */
export function gatehouseNode(gatehouse: Gatehouse): NodeHandler {
  return async function gatehouseRoutes(req, res) {
    const response = await gatehouse.handle(req, readNodeBody);
    if (response === undefined) return false;
    writeNodeResponse(res, response);
    return true;
  };
}

/**
 * CORS for the app's own routes: sets the grant for FRONTEND_URL on `res` (only `Vary: Origin`
 * for any other origin) and answers a preflight (204 for FRONTEND_URL, 403 JSON otherwise).
 * Resolves to true when it answered. Call it after {@link gatehouseNode}, before the app's
 * routes.
 *
 * @example
 * ```ts
 * if (await gatehouseRoutes(req, res) || corsRoutes(req, res)) return
 * ```
 */
export function nodeCors(
  gatehouse: Gatehouse,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return function corsRoutes(req, res) {
    if (req.headers.origin === undefined) return false;
    if (req.method === 'OPTIONS') {
      writeNodeResponse(res, gatehouse.cors.preflight(req));
      return true;
    }
    for (const [name, value] of Object.entries(gatehouse.cors.headers(req))) {
      res.setHeader(name, value);
    }
    return false;
  };
}

/**
 * Guards one of the app's routes: resolves to the caller (session cookie or Bearer token) when
 * signed in and let in by every rule; otherwise answers 401 (or 403 for CSRF and the rules)
 * JSON through `gatehouse.errorResponse` and resolves to undefined.
 *
 * @example
 * ```ts
 * const adminsOnly = requireAuth(gatehouse, requireGroup('admins'))
 * const principal = await adminsOnly(req, res)
 * if (!principal) return // already answered
 * ```
 */
export function requireAuth(gatehouse: Gatehouse, ...rules: Rule[]): NodeGuard {
  return async function requireAuth(req, res) {
    try {
      const principal = await gatehouse.authenticate(req);
      for (const rule of rules) rule(principal);
      return principal;
    } catch (error) {
      const path = (req.url ?? '/').split('?', 1)[0];
      writeNodeResponse(
        res,
        withCors(gatehouse, req, gatehouse.errorResponse(error, `${req.method} ${path}`)),
      );
      return undefined;
    }
  };
}

function withCors(
  gatehouse: Gatehouse,
  req: IncomingMessage,
  response: GatehouseResponse,
): GatehouseResponse {
  if (req.headers.origin === undefined) return response;
  return { ...response, headers: { ...response.headers, ...gatehouse.cors.headers(req) } };
}

export { readNodeBody, writeNodeResponse } from '../http/node.js';
export {
  requireAuthLevel,
  requireClaims,
  requireGroup,
  requireScope,
  type AuthLevel,
  type ClaimsPredicate,
  type Rule,
} from '../guard/rules.js';
