import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { routeOwner } from '../core.js';
import { readNodeBody, writeNodeResponse } from '../http/node.js';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import type { Rule } from '../guard/rules.js';
import { GatehouseError } from '../errors.js';
import { json } from '../http/respond.js';
import type { GatehouseResponse } from '../http/types.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller, set by `requireAuth`; `null` after `optionalAuth` when signed out. */
    auth?: Principal | null;
  }
}

function send(res: Response, response: GatehouseResponse): void {
  if (response.stream) return writeNodeResponse(res, response); // headers as they came
  res.status(response.status).set(response.headers);
  if (response.body === undefined) res.end();
  else res.send(response.body);
}

/**
 * What {@link gatehouseExpress} returns: the routes middleware, then an error handler. Plain
 * functions (no `Router`), so one adapter serves Express 4.18+ and 5 alike; `app.use` takes
 * the pair as it is.
 */
export type GatehouseExpressMiddleware = [RequestHandler, ErrorRequestHandler];

/**
 * Express (4.18+ and 5) middleware: serves Gatehouse's routes (`/login`, `/signin-oidc`,
 * `/logout`, `/me`, `/backchannel-logout`, `/sessions`) through `gatehouse.handle`, and CORS for
 * FRONTEND_URL on every response. Mount it before your routes. An error that reaches it from a
 * middleware mounted before it (a body parser's 413, ...) is answered as Gatehouse JSON, never
 * as Express's default page (a stack trace outside production).
 *
 * @example
 * ```ts
 * app.use(gatehouseExpress(gatehouse))
 * app.get('/secure-data', requireAuth(gatehouse), (req, res) => res.json({ user: req.auth!.user }))
 * ```
 */
export function gatehouseExpress(gatehouse: Gatehouse): GatehouseExpressMiddleware {
  const errors = gatehouseErrorHandler(gatehouse);
  const ours = routeOwner(gatehouse.routes);
  const routes: RequestHandler = function gatehouseRoutes(
    req: Request,
    res: Response,
    next: NextFunction,
  ) {
    if (req.headers.origin !== undefined) res.set(gatehouse.cors.headers(req));
    if (req.method === 'OPTIONS') return send(res, gatehouse.cors.preflight(req));
    // The app's own routes go on at once, not after a trip through `handle`.
    if (!ours(req.originalUrl)) return next();
    // Route paths are absolute: inside a router mounted at a path, `req.url` is cut short.
    // A copy has no stream methods: the body is read, or streamed on, from `req` itself.
    const request =
      req.url === req.originalUrl
        ? req
        : { ...req, url: req.originalUrl, headers: req.headers, bodyStream: () => req };
    gatehouse
      .handle(request, () => readNodeBody(req))
      .then(
        (response) => (response ? send(res, response) : next()),
        (error: unknown) => errors(error, req, res, next),
      );
  };
  return [routes, errors];
}

/**
 * Express error handler: answers any error as Gatehouse JSON (`{ error, error_description }`;
 * a generic 500 for the unexpected, logged in full), never Express's default page, which shows
 * a stack trace outside production. A client error Express raised itself (a body parser's 413,
 * 415, 400) keeps its status. Mount it last to cover the app's own routes too.
 *
 * @example
 * ```ts
 * app.use(gatehouseErrorHandler(gatehouse))
 * ```
 */
export function gatehouseErrorHandler(gatehouse: Gatehouse): ErrorRequestHandler {
  // Express's own error handler answers with a stack trace outside production: no error that
  // reaches this one goes on to it, whatever throws.
  return function gatehouseErrors(error, req, res, _next) {
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
  return function requireAuth(req, res, next) {
    gatehouse.authorize(req, rules, { principal: req.auth }).then(
      (principal) => {
        req.auth = principal;
        next();
      },
      (error: unknown) => send(res, gatehouse.errorResponse(error, `${req.method} ${req.path}`)),
    );
  };
}

/**
 * Express middleware for a route that serves signed-out callers too: sets `req.auth` to the
 * caller, or to `null` when the request has no credential or its session has ended; never
 * answers 401 for that. It still refuses what `requireAuth` refuses besides: a cookie caller of
 * `POST`/`PUT`/`PATCH`/`DELETE` without `X-CSRF: 1` or from a foreign origin (403), an access
 * token that is not valid (401, RFC 6750 3.1), an outage (503).
 *
 * @example
 * ```ts
 * app.get('/', optionalAuth(gatehouse), (req, res) => res.json({ user: req.auth?.user ?? null }))
 * ```
 */
export function optionalAuth(gatehouse: Gatehouse): RequestHandler {
  return function optionalAuth(req, res, next) {
    if (req.auth) return next();
    gatehouse.authenticateOrNull(req).then(
      (principal) => {
        req.auth = principal;
        next();
      },
      (error: unknown) => send(res, gatehouse.errorResponse(error, `${req.method} ${req.path}`)),
    );
  };
}

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
