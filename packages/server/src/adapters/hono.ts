import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import type { Rule } from '../guard/rules.js';
import { fromWebRequest, toWebResponse } from '../http/web.js';

/**
 * The Hono environment `requireAuth` fills: `c.get('auth')` is the caller.
 *
 * @example
 * ```ts
 * const app = new Hono<GatehouseEnv>()
 * app.get('/secure-data', requireAuth(gatehouse), (c) => c.json({ user: c.get('auth').user }))
 * ```
 */
export interface GatehouseEnv {
  Variables: {
    /** The caller, set by {@link requireAuth}. */
    auth: Principal;
  };
}

/**
 * The Hono environment `optionalAuth` fills: `c.get('auth')` is the caller, or `null` when
 * signed out. Its routes get it from the middleware: an app typed `Hono<GatehouseEnv>` declares
 * `auth` always set, so type the app `new Hono()` (each middleware types its own routes).
 */
export interface GatehouseOptionalEnv {
  Variables: {
    /** The caller, or null when signed out, set by {@link optionalAuth}. */
    auth: Principal | null;
  };
}

/**
 * Hono 4 middleware (`app.use('*', gatehouseHono(gatehouse))`): serves Gatehouse's routes
 * (`/login`, `/signin-oidc`, `/logout`, `/me`, `/backchannel-logout`, `/sessions`) through
 * `gatehouse.handle`, answers CORS preflights (for every path: 204 for FRONTEND_URL, 403 for
 * any other origin) and adds the CORS grant for FRONTEND_URL to the app's responses. Mount it
 * before your routes.
 *
 * @example
 * ```ts
 * const app = new Hono<GatehouseEnv>()
 * app.use('*', gatehouseHono(gatehouse))
 * app.get('/secure-data', requireAuth(gatehouse), (c) => c.json({ user: c.get('auth').user }))
 * ```
 */
export function gatehouseHono(gatehouse: Gatehouse): MiddlewareHandler {
  return async function gatehouseRoutes(c, next) {
    const request = fromWebRequest(c.req.raw);
    const response = await gatehouse.handle(request);
    if (response !== undefined) return toWebResponse(response);
    if (request.headers.origin === undefined) return next();
    if (c.req.method === 'OPTIONS') return toWebResponse(gatehouse.cors.preflight(request));
    await next();
    for (const [name, value] of Object.entries(gatehouse.cors.headers(request))) {
      if (name !== 'vary') c.header(name, value);
      else if (!/(^|,)\s*origin\s*(,|$)/i.test(c.res.headers.get('vary') ?? '')) {
        c.header('vary', value, { append: true });
      }
    }
  };
}

/**
 * Hono middleware guarding the routes after it: answers 401 JSON unless the caller is signed
 * in (session cookie or Bearer token), 403 unless every rule lets it in, and otherwise sets
 * `c.set('auth', principal)` (typed through {@link GatehouseEnv}).
 *
 * @example
 * ```ts
 * app.get('/admin-data', requireAuth(gatehouse, requireGroup('admins')), (c) =>
 *   c.json({ groups: c.get('auth').groups }))
 * ```
 */
export function requireAuth<E extends GatehouseEnv = GatehouseEnv>(
  gatehouse: Gatehouse,
  ...rules: Rule[]
): MiddlewareHandler<E> {
  return async function requireAuth(c, next) {
    let principal: Principal;
    try {
      principal = await gatehouse.authorize(fromWebRequest(c.req.raw), rules, {
        principal: c.get('auth') as Principal | undefined,
      });
    } catch (error) {
      return answerError(gatehouse, c, error);
    }
    c.set('auth', principal);
    await next();
  };
}

/**
 * Hono middleware for the routes after it that serve signed-out callers too: sets
 * `c.set('auth', principal)`, or `null` when the request has no credential or its session has
 * ended; never answers 401 for that. It still refuses what {@link requireAuth} refuses besides:
 * a cookie caller of `POST`/`PUT`/`PATCH`/`DELETE` without `X-CSRF: 1` or from a foreign origin
 * (403), an access token that is not valid (401, RFC 6750 3.1), an outage (503).
 *
 * @example
 * ```ts
 * app.get('/', optionalAuth(gatehouse), (c) => c.json({ user: c.get('auth')?.user ?? null }))
 * ```
 */
export function optionalAuth(gatehouse: Gatehouse): MiddlewareHandler<GatehouseOptionalEnv> {
  return async function optionalAuth(c, next) {
    let principal: Principal | null;
    try {
      principal = c.get('auth') ?? (await gatehouse.authenticateOrNull(fromWebRequest(c.req.raw)));
    } catch (error) {
      return answerError(gatehouse, c, error);
    }
    c.set('auth', principal);
    await next();
  };
}

/**
 * `app.onError(gatehouseErrorHandler(gatehouse))`: whatever the app's handlers throw is answered
 * as Gatehouse JSON (`{ error, error_description }`, a generic 500 for the unexpected, logged
 * in full), never with the error's message; Hono's own `HTTPException`s keep their response.
 *
 * @example
 * ```ts
 * app.onError(gatehouseErrorHandler(gatehouse))
 * ```
 */
export function gatehouseErrorHandler(gatehouse: Gatehouse): ErrorHandler {
  return function gatehouseErrors(error, c) {
    if (error instanceof HTTPException) return error.getResponse();
    return answerError(gatehouse, c, error);
  };
}

function answerError(gatehouse: Gatehouse, c: Context, error: unknown): Response {
  const response = gatehouse.errorResponse(error, `${c.req.method} ${c.req.path}`);
  const request = fromWebRequest(c.req.raw);
  if (request.headers.origin === undefined) return toWebResponse(response);
  return toWebResponse({
    ...response,
    headers: { ...response.headers, ...gatehouse.cors.headers(request) },
  });
}

export { fromWebRequest, toWebResponse } from '../http/web.js';
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
