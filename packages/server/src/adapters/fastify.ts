import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import {
  requireClaims,
  requireGroup,
  requireScope,
  type ClaimsPredicate,
  type Rule,
} from '../guard/rules.js';
import type { GatehouseResponse } from '../http/types.js';
import type { RouteHandler, RouteName } from '../core.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by `requireAuth`. */
    auth: Principal | null;
  }
  interface FastifyInstance {
    gatehouse: Gatehouse;
    /** A preHandler that answers 401/403 JSON unless the caller is signed in. */
    requireAuth: preHandlerAsyncHookHandler;
    /** A preHandler: signed in (401) and granted every one of `scopes` (403 insufficient_scope). */
    requireScope(...scopes: string[]): preHandlerAsyncHookHandler;
    /** A preHandler: signed in (401) and a member of one of `groups` (403 access_denied). */
    requireGroup(...groups: string[]): preHandlerAsyncHookHandler;
    /** A preHandler: signed in (401) and claims that pass `predicate` (403 access_denied). */
    requireClaims(predicate: ClaimsPredicate, description?: string): preHandlerAsyncHookHandler;
  }
}

/** Options of {@link gatehouseFastify}. */
export interface GatehouseFastifyOptions {
  gatehouse: Gatehouse;
}

function send(reply: FastifyReply, response: GatehouseResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/**
 * Fastify plugin: mounts `/login`, `/signin-oidc`, `/logout`, `/me`, `/backchannel-logout`,
 * `/sessions`, CORS for FRONTEND_URL,
 * and decorates `fastify.requireAuth` (and the rules `requireScope`, `requireGroup`,
 * `requireClaims`) to guard routes, for session users and Bearer callers alike. Not
 * encapsulated, so CORS and the guard apply app-wide.
 *
 * @example
 * ```ts
 * await app.register(gatehouseFastify, { gatehouse })
 * app.get('/secure-data', { preHandler: app.requireAuth }, (req) => ({ user: req.auth!.user }))
 * app.get('/admin-data', { preHandler: app.requireGroup('admins') }, handler)
 * ```
 */
export async function gatehouseFastify(
  fastify: FastifyInstance,
  { gatehouse }: GatehouseFastifyOptions,
) {
  const { routes } = gatehouse.config;
  fastify.decorate('gatehouse', gatehouse);
  fastify.decorateRequest('auth', null);

  fastify.addHook('onRequest', async function corsHeaders(request, reply) {
    if (request.headers.origin !== undefined) reply.headers(gatehouse.cors.headers(request.raw));
  });
  fastify.options('*', async (request, reply) =>
    send(reply, gatehouse.cors.preflight(request.raw)),
  );

  // Whatever a route throws is Gatehouse's JSON error (generic 500 for the unexpected), never
  // Fastify's default error body, which repeats the error's message.
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    call: () => Promise<GatehouseResponse>,
  ) => {
    try {
      return send(reply, await call());
    } catch (error) {
      return send(
        reply,
        gatehouse.errorResponse(error, `${request.method} ${request.routeOptions.url}`),
      );
    }
  };
  const handlers = Object.fromEntries(gatehouse.routes.map((r) => [r.name, r.handler])) as Record<
    RouteName,
    RouteHandler
  >;
  const route = (handler: RouteHandler) =>
    async function gatehouseRoute(request: FastifyRequest, reply: FastifyReply) {
      return answer(request, reply, () => handler(request.raw));
    };
  fastify.get(routes.login, route(handlers.login));
  fastify.get(routes.callback, route(handlers.callback));
  await fastify.register(async function logoutRoute(child) {
    // Sign-out may come as an HTML form post (or a forged text/plain one, which the core
    // refuses with 403): accept any small body here and ignore it.
    child.addContentTypeParser('*', { bodyLimit: 4096 }, (_request, _payload, done) => done(null));
    child.post(routes.logout, route(handlers.logout));
  });
  await fastify.register(async function backchannelLogoutRoute(child) {
    child.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_request, body, done) => done(null, body),
    );
    child.post(routes.backchannelLogout, async (request, reply) =>
      answer(request, reply, () =>
        handlers.backchannelLogout({
          ...request.raw,
          headers: request.headers,
          body: request.body,
        }),
      ),
    );
  });
  fastify.get(routes.me, route(handlers.me));
  fastify.get(routes.sessions, route(handlers.sessions));
  fastify.delete(`${routes.sessions}/:id`, async (request, reply) =>
    answer(request, reply, () =>
      handlers.endSession({
        ...request.raw,
        headers: request.headers,
        params: request.params,
      }),
    ),
  );

  fastify.decorate(
    'requireAuth',
    async function requireAuth(request: FastifyRequest, reply: FastifyReply) {
      try {
        request.auth = await gatehouse.authenticate(request.raw);
      } catch (error) {
        return send(
          reply,
          gatehouse.errorResponse(error, `${request.method} ${request.routeOptions.url}`),
        );
      }
    },
  );

  const guard = (rule: Rule) =>
    async function authorize(request: FastifyRequest, reply: FastifyReply) {
      try {
        request.auth ??= await gatehouse.authenticate(request.raw);
        rule(request.auth);
      } catch (error) {
        return send(
          reply,
          gatehouse.errorResponse(error, `${request.method} ${request.routeOptions.url}`),
        );
      }
    };
  fastify.decorate('requireScope', (...scopes: string[]) => guard(requireScope(...scopes)));
  fastify.decorate('requireGroup', (...groups: string[]) => guard(requireGroup(...groups)));
  fastify.decorate('requireClaims', (predicate: ClaimsPredicate, description?: string) =>
    guard(requireClaims(predicate, description)),
  );
}

// fastify-plugin's contract without the dependency: do not encapsulate, show a name.
Object.assign(gatehouseFastify, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@gatehouse/server',
});
