import type { Config } from './config/parse.js';
import type { RemoteApi } from './config/remote-apis.js';
import type { corsPolicy } from './guard/cors.js';
import { errorResponse, toGatehouseError } from './http/respond.js';
import { malformedTarget, readTarget } from './http/target.js';
import type { GatehouseLogger as Logger } from './logger.js';
import { errorPage } from './oidc/pages.js';
import type { GatehouseRequest, GatehouseResponse } from './http/types.js';

/** A route handler: request in, response out, errors already turned into responses. */
export type RouteHandler = (request: GatehouseRequest) => Promise<GatehouseResponse>;

/** The routes Gatehouse serves, by name. */
export type RouteName =
  | 'login'
  | 'callback'
  | 'logout'
  | 'me'
  | 'backchannelLogout'
  | 'sessions'
  | 'endDevice'
  | 'jwks'
  | 'remoteApi';

/**
 * One route, declared once as data: `gatehouse.handle` serves the table, and an adapter that
 * registers routes with its host loops over it.
 */
export interface Route {
  readonly name: RouteName;
  /** `ALL`: every method (a remote API, which answers 405 itself for those it refuses). */
  readonly method: 'GET' | 'POST' | 'DELETE' | 'ALL';
  /** The path; with `withId`, `path/<id>` (the id reaches the handler as `params.id`). */
  readonly path: string;
  readonly withId: boolean;
  /**
   * A prefix route (a remote API): `path` and everything under it, `path/*`. Hosts register
   * the wildcard; the handler checks the rest of the path itself.
   */
  readonly prefix?: boolean;
  /**
   * `form`: the handler reads the URL-encoded body; `stream`: it streams the raw body on (the
   * host must leave it unparsed); every other route ignores any body.
   */
  readonly body: 'none' | 'form' | 'stream';
  readonly handler: RouteHandler;
}

/** Reads a request's raw body (at most 16 KiB), for the routes that need one. */
export type BodyReader = (request: GatehouseRequest) => Promise<string>;

/** How a route answers a failure: JSON, or a page for a top-level navigation (sign-in). */
type Answer = 'json' | 'page';

/** What the table is built from: a handler per route, and one per remote API. */
export type RouteHandlers = Readonly<
  Record<Exclude<RouteName, 'remoteApi' | 'jwks'>, RouteHandler>
> & {
  /** The client's public keys, only with `private_key_jwt` (oidc/jwks.ts). */
  readonly jwks?: RouteHandler | undefined;
  /** The proxy of one remote API (remote/proxy.ts), served under its path. */
  readonly remoteApi: (api: RemoteApi) => RouteHandler;
};

/**
 * The route table, in the order of `config.routes`, then the prefix routes of the remote APIs
 * (`remoteApis`). Each row says how its route answers: every route refuses a request target it
 * cannot read (absolute form with a bad port, another scheme, ...) with a 400 and turns anything
 * thrown into a response, JSON or a page, so no route rejects.
 */
export function routeTable(config: Config, log: Logger, handlers: RouteHandlers): readonly Route[] {
  const { routes } = config;
  const answering = answerer(config, log);
  const route = (
    name: Exclude<RouteName, 'remoteApi'>,
    method: Route['method'],
    path: string,
    answer: Answer,
    context: string,
    { withId = false, body = 'none' as Route['body'] } = {},
  ): Route =>
    Object.freeze({
      name,
      method,
      path,
      withId,
      body,
      handler: answering(answer, handlers[name]!, context),
    });
  const remoteApi = (api: RemoteApi): Route =>
    Object.freeze({
      name: 'remoteApi',
      method: 'ALL',
      path: api.path,
      withId: false,
      prefix: true,
      body: 'stream',
      handler: answering('json', handlers.remoteApi(api), `remote API ${api.name}`),
    });
  return Object.freeze([
    route('login', 'GET', routes.login, 'page', 'login'),
    route('callback', 'GET', routes.callback, 'page', 'sign-in callback'),
    route('logout', 'POST', routes.logout, 'json', 'logout'),
    route('me', 'GET', routes.me, 'json', 'me'),
    route('backchannelLogout', 'POST', routes.backchannelLogout, 'json', 'back-channel logout', {
      body: 'form',
    }),
    route('sessions', 'GET', routes.sessions, 'json', 'sessions'),
    // The session's handle arrives as `params.id`, from `handle` or the host's router.
    route('endDevice', 'DELETE', routes.sessions, 'json', 'end session', { withId: true }),
    ...(handlers.jwks ? [route('jwks', 'GET', routes.jwks, 'json', 'jwks')] : []),
    ...config.remoteApis.map(remoteApi),
  ]);
}

/** Wraps a handler so that it answers every failure, as JSON or as a page. */
function answerer(config: Config, log: Logger) {
  return (answer: Answer, handler: RouteHandler, context: string): RouteHandler =>
    async function answered(request) {
      try {
        const malformed = malformedTarget(request);
        if (malformed) throw malformed;
        return await handler(request);
      } catch (error) {
        const failure = toGatehouseError(error, log, context);
        return answer === 'json'
          ? errorResponse(failure)
          : errorPage(failure.status, failure.error, failure.description, config.frontendUrl.href);
      }
    };
}

/**
 * `handle(request)`: the response of the Gatehouse route a request names, with CORS headers
 * for FRONTEND_URL, and the answer to a CORS preflight for one of them; undefined for any other
 * request, which the host serves itself. Matching is two map lookups: no URL is parsed.
 */
export function handler(
  table: readonly Route[],
  cors: ReturnType<typeof corsPolicy>,
): (request: GatehouseRequest, readBody?: BodyReader) => Promise<GatehouseResponse | undefined> {
  const exact = new Map<string, Route>();
  const withId = new Map<string, Route>();
  const paths = new Set<string>();
  const prefixes = table.filter((route) => route.prefix);
  for (const route of table) {
    if (route.prefix) continue;
    (route.withId ? withId : exact).set(`${route.method} ${route.path}`, route);
    paths.add(route.path);
  }

  const find = (method: string, path: string): { route: Route; id?: string } | undefined => {
    const key = `${method === 'HEAD' ? 'GET' : method} ${path}`;
    const route = exact.get(key);
    if (route) return { route };
    const slash = path.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const parent = withId.get(`${method} ${path.slice(0, slash)}`);
    return parent && slash < path.length - 1
      ? { route: parent, id: path.slice(slash + 1) }
      : undefined;
  };

  return async function handle(request, readBody = bodyOf) {
    const path = pathOf(request.url);
    if (path === undefined) {
      // An absolute-form target Gatehouse cannot read (a bad port, userinfo) that names one of
      // its routes gets that route's 400; any other is the host's to answer.
      const named = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*(\/[^?#]*)/i.exec(request.url ?? '')?.[1];
      const route = named && find(request.method ?? 'GET', named)?.route;
      return route ? route.handler(request) : undefined;
    }
    const method = request.method ?? 'GET';
    for (const route of prefixes) {
      if (path === route.path || path.startsWith(route.path + '/')) {
        const response = await route.handler(request);
        if (request.headers.origin === undefined || method === 'OPTIONS') return response;
        return { ...response, headers: { ...response.headers, ...cors.headers(request) } };
      }
    }
    if (method === 'OPTIONS') {
      const ours = paths.has(path) || paths.has(path.slice(0, path.lastIndexOf('/')));
      return ours && request.headers.origin !== undefined ? cors.preflight(request) : undefined;
    }
    const match = find(method, path);
    if (!match) return undefined;
    const { route, id } = match;
    // A new request only where it carries more: a host's request (Node's included) keeps its
    // headers on its prototype, which a spread would lose.
    const routed =
      route.body === 'form' || id !== undefined
        ? {
            method,
            url: request.url,
            headers: request.headers,
            body:
              route.body === 'form' && request.body === undefined
                ? await readBody(request)
                : request.body,
            params: id === undefined ? request.params : { id },
          }
        : request;
    const response = await route.handler(routed);
    if (request.headers.origin === undefined) return response;
    return { ...response, headers: { ...response.headers, ...cors.headers(request) } };
  };
}

/**
 * Whether a request target may name one of the table's routes: its path is a route's, under a
 * prefix route, or a route's with an id. A host adapter passes every other request on at once,
 * without a trip through `handle`. Targets not in origin form are left to `handle`.
 */
export function routeOwner(table: readonly Route[]): (url: string | undefined) => boolean {
  const paths = new Set(table.filter((route) => !route.prefix).map((route) => route.path));
  const parents = new Set(table.filter((route) => route.withId).map((route) => route.path));
  const prefixes = table.filter((route) => route.prefix).map((route) => route.path);
  return (url) => {
    const path = url === undefined ? undefined : originFormPath(url);
    if (path === undefined) return true;
    if (paths.has(path) || parents.has(path.slice(0, path.lastIndexOf('/')))) return true;
    return prefixes.some((prefix) => path === prefix || path.startsWith(prefix + '/'));
  };
}

/** The path of a request target, from the plain `/path?query` form without parsing a URL. */
function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return '/';
  return originFormPath(url) ?? readTarget(url)?.path;
}

/** The path of an origin-form target (`/path?query`, not `//host`), else undefined. */
function originFormPath(url: string): string | undefined {
  if (url.charCodeAt(0) !== 47 /* / */ || url.charCodeAt(1) === 47) return undefined;
  const mark = url.indexOf('?');
  return mark < 0 ? url : url.slice(0, mark);
}

const bodyOf: BodyReader = async (request) =>
  request.readBody ? request.readBody() : typeof request.body === 'string' ? request.body : '';
