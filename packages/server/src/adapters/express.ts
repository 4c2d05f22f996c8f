import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import { readNodeBody } from '../http/node.js';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import type { Rule } from '../guard/rules.js';
import { GatehouseError } from '../errors.js';
import { json } from '../http/respond.js';
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
 * Express (4.18+ and 5) middleware: serves Gatehouse's routes (`/login`, `/signin-oidc`,
 * `/logout`, `/me`, `/backchannel-logout`, `/sessions`) through `gatehouse.handle`, and CORS for
 * FRONTEND_URL on every response. Mount it before your routes.
 *
 * @example
 * ```ts
 * app.use(gatehouseExpress(gatehouse))
 * app.get('/secure-data', requireAuth(gatehouse), (req, res) => res.json({ user: req.auth!.user }))
 * ```
 */
export function gatehouseExpress(gatehouse: Gatehouse): Router {
  const router = Router();
  // Express's own error handler answers with a stack trace outside production: no error of a
  // Gatehouse route ever reaches it, whatever throws.
  const answerError = (error: unknown, req: Request, res: Response) => {
    if (res.headersSent) {
      gatehouse.errorResponse(error, `${req.method} ${req.path}`); // logs it
      res.destroy();
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    if (!(error instanceof GatehouseError) && isClientError(status)) {
      // Express's refusals of the request itself (a body parser's 413, 415, 400): their
      // status, our words.
      gatehouse.log.warn({ status }, `${req.method} ${req.path}: request refused`);
      return send(
        res,
        json(status, {
          error: 'invalid_request',
          error_description: 'The request could not be read.',
        }),
      );
    }
    send(res, gatehouse.errorResponse(error, `${req.method} ${req.path}`));
  };
  router.use(function gatehouseRoutes(req: Request, res: Response, next: NextFunction) {
    if (req.headers.origin !== undefined) res.set(gatehouse.cors.headers(req));
    if (req.method === 'OPTIONS') return send(res, gatehouse.cors.preflight(req));
    // Route paths are absolute: inside a router mounted at a path, `req.url` is cut short.
    const request =
      req.url === req.originalUrl ? req : { ...req, url: req.originalUrl, headers: req.headers };
    gatehouse.handle(request, readNodeBody).then(
      (response) => (response ? send(res, response) : next()),
      (error: unknown) => answerError(error, req, res),
    );
  });
  router.use(function gatehouseErrors(error, req, res, _next) {
    answerError(error, req, res);
  } satisfies ErrorRequestHandler);
  return router;
}

function isClientError(status: unknown): status is number {
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500;
}

/**
 * Express middleware that answers 401 JSON unless the caller is signed in (session cookie or
 * Bearer token), 403 unless every rule lets it in, and sets `req.auth` otherwise.
 *
 * @example
 * ```ts
 * app.get('/secure-data', requireAuth(gatehouse), (req, res) => res.json({ user: req.auth!.user }))
 * app.get('/admin-data', requireAuth(gatehouse, requireGroup('admins')), handler)
 * ```
 */
export function requireAuth(gatehouse: Gatehouse, ...rules: Rule[]): RequestHandler {
  const authorize = async (req: Request): Promise<Principal> => {
    const principal = req.auth ?? (await gatehouse.authenticate(req));
    for (const rule of rules) rule(principal);
    return principal;
  };
  return function requireAuth(req, res, next) {
    authorize(req).then(
      (principal) => {
        req.auth = principal;
        next();
      },
      (error: unknown) => send(res, gatehouse.errorResponse(error, `${req.method} ${req.path}`)),
    );
  };
}

export {
  requireClaims,
  requireGroup,
  requireScope,
  type ClaimsPredicate,
  type Rule,
} from '../guard/rules.js';
