import type { Config } from './config/parse.js';
import type { corsPolicy } from './guard/cors.js';
import { readTarget } from './http/target.js';
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

/** The route table, in the order of `config.routes`. */
export function routeTable(
  config: Config,
  handlers: Readonly<Record<Exclude<RouteName, 'remoteApi' | 'jwks'>, RouteHandler>> & {
    /** The client's public keys, only with `private_key_jwt` (oidc/jwks.ts). */
    readonly jwks?: RouteHandler | undefined;
  },
): readonly Route[] {
  const { routes } = config;
  const route = (
    name: RouteName,
    method: Route['method'],
    path: string,
    { withId = false, body = 'none' as Route['body'] } = {},
  ): Route =>
    Object.freeze({ name, method, path, withId, body, handler: handlers[name as 'login'] });
  return Object.freeze([
    route('login', 'GET', routes.login),
    route('callback', 'GET', routes.callback),
    route('logout', 'POST', routes.logout),
    route('me', 'GET', routes.me),
    route('backchannelLogout', 'POST', routes.backchannelLogout, { body: 'form' }),
    route('sessions', 'GET', routes.sessions),
    route('endDevice', 'DELETE', routes.sessions, { withId: true }),
    ...(handlers.jwks ? [route('jwks', 'GET', routes.jwks)] : []),
  ]);
}

/** The prefix routes of the remote APIs (`remoteApis`), after the auth routes. */
export function withRemoteApis(
  table: readonly Route[],
  remoteApis: ReadonlyMap<string, RouteHandler>,
): readonly Route[] {
  const prefixes = [...remoteApis].map(([path, handler]): Route =>
    Object.freeze({
      name: 'remoteApi',
      method: 'ALL',
      path,
      withId: false,
      prefix: true,
      body: 'stream',
      handler,
    }),
  );
  return prefixes.length === 0 ? table : Object.freeze([...table, ...prefixes]);
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

/** The path of a request target, from the plain `/path?query` form without parsing a URL. */
function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return '/';
  if (url.charCodeAt(0) === 47 /* / */ && url.charCodeAt(1) !== 47) {
    const mark = url.indexOf('?');
    return mark < 0 ? url : url.slice(0, mark);
  }
  return readTarget(url)?.path;
}

const bodyOf: BodyReader = async (request) =>
  request.readBody ? request.readBody() : typeof request.body === 'string' ? request.body : '';
