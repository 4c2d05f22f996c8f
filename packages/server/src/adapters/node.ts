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
 * Resolves to the caller, or `null` when signed out; to undefined once it has answered 401/403/503
 * JSON itself.
 */
export type NodeOptionalGuard = (
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<Principal | null | undefined>;

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
 * const cors = gatehouseCors(gatehouse)
 * // in the request handler:
 * if ((await gatehouseRoutes(req, res)) || cors(req, res)) return
 * ```
 */
export function gatehouseCors(
  gatehouse: Gatehouse,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return function gatehouseCors(req, res) {
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
      return await gatehouse.authorize(req, rules);
    } catch (error) {
      return refuse(gatehouse, req, res, error);
    }
  };
}

/**
 * For a route that serves signed-out callers too: resolves to the caller, or to `null` when the
 * request has no credential or its session has ended (never a 401 for that). It still answers
 * what {@link requireAuth} refuses besides, through `gatehouse.errorResponse`, and resolves to
 * undefined: a cookie caller of `POST`/`PUT`/`PATCH`/`DELETE` without `X-CSRF: 1` or from a
 * foreign origin (403), an access token that is not valid (401, RFC 6750 3.1), an outage (503).
 *
 * @example
 * ```ts
 * const maybeSignedIn = optionalAuth(gatehouse)
 * const auth = await maybeSignedIn(req, res)
 * if (auth === undefined) return // already answered
 * json(res, 200, { user: auth?.user ?? null })
 * ```
 */
export function optionalAuth(gatehouse: Gatehouse): NodeOptionalGuard {
  return async function optionalAuth(req, res) {
    try {
      return await gatehouse.authenticateOrNull(req);
    } catch (error) {
      return refuse(gatehouse, req, res, error);
    }
  };
}

/** Answers a guard's refusal (with the CORS grant), for a guard that then resolves to undefined. */
function refuse(
  gatehouse: Gatehouse,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
): undefined {
  const path = (req.url ?? '/').split('?', 1)[0];
  writeNodeResponse(
    res,
    withCors(gatehouse, req, gatehouse.errorResponse(error, `${req.method} ${path}`)),
  );
  return undefined;
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
  requireProvider,
  requireScope,
  type AuthLevel,
  type ClaimsPredicate,
  type Rule,
} from '../guard/rules.js';
