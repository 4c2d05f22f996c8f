import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import type { GatehouseResponse } from '../http/types.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller, set by `requireAuth`. */
    auth?: Principal;
  }
}

function send(res: Response, response: GatehouseResponse): void {
  res.status(response.status).set(response.headers);
  if (response.body === undefined) res.end();
  else res.send(response.body);
}

/**
 * Express router: `/login`, `/signin-oidc`, `/logout`, `/me`, and CORS for FRONTEND_URL.
 * Mount it before your routes.
 *
 * @example
 * ```ts
 * app.use(gatehouseExpress(gatehouse))
 * app.get('/secure-data', requireAuth(gatehouse), (req, res) => res.json({ user: req.auth!.user }))
 * ```
 */
export function gatehouseExpress(gatehouse: Gatehouse): Router {
  const router = Router();
  const { routes } = gatehouse.config;
  router.use(function cors(req: Request, res: Response, next: NextFunction) {
    if (req.headers.origin !== undefined) res.set(gatehouse.cors.headers(req));
    if (req.method === 'OPTIONS') return send(res, gatehouse.cors.preflight(req));
    next();
  });
  const route =
    (handler: (typeof gatehouse.routes)[keyof typeof gatehouse.routes]) =>
    (req: Request, res: Response, next: NextFunction) =>
      handler(req).then((response) => send(res, response), next);
  router.get(routes.login, route(gatehouse.routes.login));
  router.get(routes.callback, route(gatehouse.routes.callback));
  router.post(routes.logout, route(gatehouse.routes.logout));
  router.get(routes.me, route(gatehouse.routes.me));
  return router;
}

/**
 * Express middleware that answers 401/403 JSON unless the caller is signed in, and sets
 * `req.auth` otherwise.
 *
 * @example
 * ```ts
 * app.get('/secure-data', requireAuth(gatehouse), (req, res) => res.json({ user: req.auth!.user }))
 * ```
 */
export function requireAuth(gatehouse: Gatehouse): RequestHandler {
  return function requireAuth(req, res, next) {
    gatehouse.authenticate(req).then(
      (principal) => {
        req.auth = principal;
        next();
      },
      (error: unknown) => send(res, gatehouse.errorResponse(error, `${req.method} ${req.path}`)),
    );
  };
}
