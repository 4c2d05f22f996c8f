import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { Route } from '../core.js';
import { GatehouseError } from '../errors.js';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import type { Rule } from '../guard/rules.js';
import { json } from '../http/respond.js';
import type { GatehouseResponse } from '../http/types.js';
import { MAX_BODY } from '../http/web.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The caller, set by `requireAuth` or `optionalAuth`; null on a route neither guards, or
     * after `optionalAuth` when signed out.
     */
    auth: Principal | null;
  }
}

/** Options of {@link gatehouseFastify}. */
export interface GatehouseFastifyOptions {
  gatehouse: Gatehouse;
}

function send(reply: FastifyReply, response: GatehouseResponse): FastifyReply {
  return reply
    .code(response.status)
    .headers(response.headers)
    .send(response.stream ?? response.body);
}

/** What a remote API route accepts (HEAD comes with GET); the core answers 405 for the rest. */
const PREFIX_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** A body sign-out may carry (an HTML form post): read no further, ignored. */
const SMALL_BODY = 4096;

/**
 * Fastify 5 plugin: serves Gatehouse's routes (`/login`, `/signin-oidc`, `/logout`, `/me`,
 * `/backchannel-logout`, `/sessions`), one Fastify route per entry of `gatehouse.routes`, with
 * CORS for FRONTEND_URL on them and their preflights. Encapsulated: its body parsers, error
 * handler and CORS stay on its own routes, and it adds no hook or wildcard route to the app.
 * Register it without a `prefix`: the paths are the configured ones.
 *
 * @example
 * ```ts
 * await app.register(gatehouseAuth) // request.auth on every route
 * await app.register(gatehouseFastify, { gatehouse })
 * app.get('/secure-data', { preHandler: requireAuth(gatehouse) }, (req) => ({ user: req.auth!.user }))
 * ```
 */
export async function gatehouseFastify(
  fastify: FastifyInstance,
  { gatehouse }: GatehouseFastifyOptions,
): Promise<void> {
  const { routes, cors } = gatehouse;

  // Whatever a route throws, and whatever Fastify refuses before it (a body too large, a
  // content type it cannot parse), is Gatehouse JSON, never Fastify's default error body.
  fastify.setErrorHandler(function gatehouseErrors(error: FastifyError, request, reply) {
    const context = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
    const status = error.statusCode;
    const response =
      !(error instanceof GatehouseError) && status !== undefined && status >= 400 && status < 500
        ? refused(gatehouse, status, context)
        : gatehouse.errorResponse(error, context);
    return send(reply, withCors(request, response));
  });

  const withCors = (request: FastifyRequest, response: GatehouseResponse): GatehouseResponse =>
    request.headers.origin === undefined
      ? response
      : { ...response, headers: { ...response.headers, ...cors.headers(request.raw) } };

  // `config.cors: false`: an app's @fastify/cors leaves these routes to Gatehouse's policy.
  const config = { cors: false };
  const register = (context: FastifyInstance, route: Route) =>
    context.route({
      method: route.method,
      url: route.withId ? `${route.path}/:id` : route.path,
      config,
      handler: async function gatehouseRoute(request, reply) {
        const response = await route.handler({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: request.body,
          params: request.params,
        });
        return send(reply, withCors(request, response));
      },
    });

  // Routes that read a URL-encoded form (back-channel logout), as text of at most 16 KiB.
  await fastify.register(async function gatehouseFormRoutes(context) {
    context.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: MAX_BODY },
      (_request, body, done) => done(null, body),
    );
    for (const route of routes) if (route.body === 'form') register(context, route);
  });
  // Every other route ignores any body: sign-out may come as an HTML form post (or a forged
  // text/plain one, which the core refuses with 403).
  await fastify.register(async function gatehouseRoutes(context) {
    context.removeAllContentTypeParsers();
    context.addContentTypeParser('*', { bodyLimit: SMALL_BODY }, (_request, _payload, done) =>
      done(null),
    );
    for (const route of routes) if (route.body === 'none') register(context, route);
  });

  // Remote APIs (prefix routes): every method on `path` and `path/*`, the raw body left unread
  // for the core to stream on, and the target exactly as it came (the core checks the path).
  await fastify.register(async function gatehouseRemoteApis(context) {
    context.removeAllContentTypeParsers();
    context.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const route of routes) {
      if (!route.prefix) continue;
      for (const url of [route.path, `${route.path}/*`]) {
        context.route({ method: PREFIX_METHODS, url, config, handler: prefixHandler(route) });
      }
    }
  });
  function prefixHandler(route: Route) {
    return async function gatehouseRemoteApi(request: FastifyRequest, reply: FastifyReply) {
      const response = await route.handler({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body ?? request.raw,
      });
      return send(reply, withCors(request, response));
    };
  }

  // CORS preflights for these paths only: no `OPTIONS *`, which the app (or @fastify/cors) owns.
  const paths = new Set(
    routes
      .filter((route) => !route.prefix)
      .map((route) => (route.withId ? `${route.path}/:id` : route.path)),
  );
  for (const url of paths) {
    fastify.options(url, { config }, async function gatehousePreflight(request, reply) {
      return send(reply, cors.preflight(request.raw));
    });
  }
}

Object.assign(gatehouseFastify, { [Symbol.for('fastify.display-name')]: '@gatehouse/server' });

/** Fastify's refusal of a request itself (413, 415, 400): its status, our words. */
function refused(gatehouse: Gatehouse, status: number, context: string): GatehouseResponse {
  gatehouse.log.warn({ status }, `${context}: request refused`);
  return json(status, {
    error: 'invalid_request',
    error_description: 'The request could not be read.',
  });
}

/**
 * Decorates every request with `auth` (null until `requireAuth` sets it), app-wide: register it
 * once at the root. A decorator only, so not encapsulated (fastify-plugin's `skip-override`).
 */
export async function gatehouseAuth(fastify: FastifyInstance): Promise<void> {
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', null);
}

Object.assign(gatehouseAuth, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@gatehouse/server:auth',
});

/**
 * A preHandler that answers 401 JSON unless the caller is signed in (session cookie or Bearer
 * token), 403 unless every rule lets it in, and sets `request.auth` otherwise.
 *
 * @example
 * ```ts
 * app.get('/secure-data', { preHandler: requireAuth(gatehouse) }, (req) => ({ user: req.auth!.user }))
 * app.get('/admin-data', { preHandler: requireAuth(gatehouse, requireGroup('admins')) }, handler)
 * ```
 */
export function requireAuth(gatehouse: Gatehouse, ...rules: Rule[]): preHandlerAsyncHookHandler {
  return async function requireAuth(request: FastifyRequest, reply: FastifyReply) {
    try {
      request.auth = await gatehouse.authorize(request.raw, rules, { principal: request.auth });
    } catch (error) {
      const context = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
      return send(reply, gatehouse.errorResponse(error, context));
    }
  };
}

/**
 * A preHandler for a route that serves signed-out callers too: sets `request.auth` to the
 * caller, or leaves it `null` when the request has no credential or its session has ended;
 * never answers 401 for that. It still refuses what `requireAuth` refuses besides: a cookie
 * caller of `POST`/`PUT`/`PATCH`/`DELETE` without `X-CSRF: 1` or from a foreign origin (403),
 * an access token that is not valid (401, RFC 6750 3.1), an outage (503).
 *
 * @example
 * ```ts
 * app.get('/', { preHandler: optionalAuth(gatehouse) }, (req) => ({ user: req.auth?.user ?? null }))
 * ```
 */
export function optionalAuth(gatehouse: Gatehouse): preHandlerAsyncHookHandler {
  return async function optionalAuth(request: FastifyRequest, reply: FastifyReply) {
    try {
      request.auth = request.auth ?? (await gatehouse.authenticateOrNull(request.raw));
    } catch (error) {
      const context = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
      return send(reply, gatehouse.errorResponse(error, context));
    }
  };
}

/**
 * Opt-in CORS for the app's own routes with Gatehouse's policy: the grant for FRONTEND_URL with
 * credentials (`X-CSRF`, `Content-Type`, `Authorization` allowed), and a 403 to another origin's
 * preflight. Add it where the app wants it (the root, or the context of its API routes); or use
 * `@fastify/cors` instead (docs/adapters/fastify.md).
 *
 * @example
 * ```ts
 * app.addHook('onRequest', gatehouseCors(gatehouse))
 * ```
 */
export function gatehouseCors(gatehouse: Gatehouse): onRequestAsyncHookHandler {
  return async function gatehouseCors(request, reply) {
    if (request.headers.origin === undefined) return;
    if (request.method === 'OPTIONS') {
      return send(reply, gatehouse.cors.preflight(request.raw));
    }
    reply.headers(gatehouse.cors.headers(request.raw));
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
