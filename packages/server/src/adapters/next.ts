import type { IncomingHttpHeaders } from 'node:http';
import type { Gatehouse } from '../gatehouse.js';
import type { Principal } from '../guard/authenticate.js';
import type { Rule } from '../guard/rules.js';
import { json } from '../http/respond.js';
import type { GatehouseRequest } from '../http/types.js';
import { fromWebRequest, toWebResponse } from '../http/web.js';

/** A Gatehouse, or how to create one on first use (never at import: `next build` imports). */
export type GatehouseSource = Gatehouse | (() => Gatehouse);

/** An App Router route handler. */
export type NextRouteHandler = (request: Request) => Promise<Response>;

/**
 * A route handler behind {@link GatehouseNext.requireAuth}: Next's request and context, and the
 * caller as `context.auth`.
 */
export type AuthedRouteHandler<Context> = (
  request: Request,
  context: Context & { auth: Principal },
) => Response | Promise<Response>;

/** Options of {@link GatehouseNext.proxy}. */
export interface ProxyOptions {
  /**
   * Path prefixes answered 401/403 JSON when the caller may not pass; every other guarded path
   * is a page, redirected to the sign-in route with `returnTo`. Default `['/api/']`.
   */
  api?: readonly string[];
  /** Rules every caller must pass, as `requireAuth`'s. */
  rules?: readonly Rule[];
}

/** What {@link gatehouseNext} returns. */
export interface GatehouseNext {
  /** Route handlers for the catch-all route serving Gatehouse's routes. */
  GET: NextRouteHandler;
  POST: NextRouteHandler;
  DELETE: NextRouteHandler;
  OPTIONS: NextRouteHandler;
  /**
   * The answer to a CORS preflight, for the `OPTIONS` export of a route behind
   * {@link requireAuth} that FRONTEND_URL calls from another origin.
   */
  preflight: NextRouteHandler;
  /**
   * The caller of the request being rendered (server component, route handler, server action),
   * from its session cookie or Bearer token; `null` when signed out or the session ended.
   * Rejects only when Gatehouse cannot tell (the store or the provider is down: 503).
   */
  auth(): Promise<Principal | null>;
  /**
   * Wraps a route handler: 401 JSON unless the caller is signed in (cookie or Bearer), 403 JSON
   * unless every rule lets it in; otherwise the handler runs with the caller as `context.auth`.
   * Every answer gets the CORS headers for FRONTEND_URL.
   */
  requireAuth<Context = unknown>(
    handler: AuthedRouteHandler<Context>,
    ...rules: Rule[]
  ): (request: Request, context: Context) => Promise<Response>;
  /**
   * A guard for `proxy.ts` (Next 16; `middleware.ts` before, on the Node.js runtime): resolves
   * to `undefined` to let the request through, else to a 401/403 JSON response for API paths or
   * a redirect to sign-in for pages. Limit it to the guarded paths with the file's `matcher`.
   */
  proxy(options?: ProxyOptions): (request: Request) => Promise<Response | undefined>;
  /** The core, created on first use. */
  gatehouse(): Gatehouse;
}

const CACHE = Symbol.for('@gatehouse/server/next');
type Cache = Map<string, Gatehouse>;

/**
 * One core per process and `key`, kept on `globalThis`: Next evaluates a module once per bundle
 * (route handlers, pages and the proxy each have theirs) and again on every dev hot reload; all
 * of them share the first core created, with its session store and provider cache.
 */
function shared(create: () => Gatehouse, key: string): Gatehouse {
  const global = globalThis as { [CACHE]?: Cache };
  const cache = (global[CACHE] ??= new Map());
  let gatehouse = cache.get(key);
  if (!gatehouse) {
    gatehouse = create();
    cache.set(key, gatehouse);
  }
  return gatehouse;
}

/**
 * Gatehouse for the Next.js App Router (Next 15 and 16). Pass a function that creates the
 * core: it runs on the first request, once per process whatever the bundles and hot reloads
 * (one core per `key`), and never during `next build`.
 *
 * @example
 * ```ts
 * // lib/gatehouse.ts
 * export const gatehouse = gatehouseNext(() => createGatehouse(optionsFromEnv(), ENV_NAMES))
 * // app/[...gatehouse]/route.ts
 * export const { GET, POST, DELETE, OPTIONS } = gatehouse
 * // app/page.tsx
 * const principal = await gatehouse.auth()
 * ```
 */
export function gatehouseNext(
  source: GatehouseSource,
  { key = 'default' }: { key?: string } = {},
): GatehouseNext {
  const core = typeof source === 'function' ? () => shared(source, key) : () => source;
  const answers = new WeakMap<object, Promise<Principal | null>>();

  const serve: NextRouteHandler = async function gatehouseRoute(request) {
    const gatehouse = core();
    const response = await gatehouse.handle(fromWebRequest(request));
    return toWebResponse(
      response ??
        json(404, { error: 'not_found', error_description: 'There is nothing at this path.' }),
    );
  };

  const authorize = async (request: GatehouseRequest, rules: readonly Rule[]) => {
    const principal = await core().authenticate(request);
    for (const rule of rules) rule(principal);
    return principal;
  };
  const refusal = (error: unknown, request: Request) =>
    toWebResponse(core().errorResponse(error, `${request.method} ${pathOf(request.url)}`));
  const withCors = (response: Response, request: GatehouseRequest): Response => {
    if (request.headers.origin === undefined) return response;
    const headers = core().cors.headers(request);
    try {
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
      return response;
    } catch {
      // Immutable headers (a fetched response passed on): copy it.
      const copy = new Response(response.body, response);
      for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
      return copy;
    }
  };

  return {
    GET: serve,
    POST: serve,
    DELETE: serve,
    OPTIONS: serve,
    preflight: async (request) => toWebResponse(core().cors.preflight(fromWebRequest(request))),

    async auth() {
      // Imported here: the entry loads without Next, and only auth() needs a request scope.
      const { headers } = (await import(
        // @ts-expect-error -- next is an optional peer, absent from this workspace
        'next/headers.js'
      )) as { headers(): Promise<Pick<Headers, 'get' | 'has'>> };
      const incoming = await headers();
      // One answer per request: a layout and its page both asking cost one store read.
      let answer = answers.get(incoming);
      if (!answer) {
        // GET: a server action is a POST, but Next checks its Origin itself; a Gatehouse CSRF
        // check would refuse every action.
        const request: GatehouseRequest = {
          method: 'GET',
          url: '/',
          headers: headerRecord(incoming),
        };
        answer = core()
          .authenticate(request)
          .catch((error: unknown) => {
            if (statusOf(error) === 401) return null;
            throw error;
          });
        answers.set(incoming, answer);
      }
      return answer;
    },

    requireAuth<Context = unknown>(handler: AuthedRouteHandler<Context>, ...rules: Rule[]) {
      return async function authed(request: Request, context: Context): Promise<Response> {
        const gatehouseRequest = fromWebRequest(request);
        let principal: Principal;
        try {
          principal = await authorize(gatehouseRequest, rules);
        } catch (error) {
          return withCors(refusal(error, request), gatehouseRequest);
        }
        try {
          return withCors(
            await handler(request, { ...context, auth: principal }),
            gatehouseRequest,
          );
        } catch (error) {
          // Next's own control flow (redirect(), notFound()) is thrown: let it through.
          if (isNextSignal(error)) throw error;
          return withCors(refusal(error, request), gatehouseRequest);
        }
      };
    },

    proxy({ api = ['/api/'], rules = [] } = {}) {
      return async function gatehouseProxy(request) {
        try {
          // Who is calling, not whether the request may change state: the CSRF check is the
          // route's (requireAuth), and a server action's POST to a page carries no X-CSRF.
          await authorize({ ...fromWebRequest(request), method: 'GET' }, rules);
          return undefined;
        } catch (error) {
          const url = new URL(request.url);
          const isApi = api.some((prefix) => url.pathname.startsWith(prefix));
          if (isApi || statusOf(error) !== 401 || !['GET', 'HEAD'].includes(request.method)) {
            return refusal(error, request);
          }
          // Absolute: Next refuses a relative Location from a proxy.
          const login = new URL(core().config.routes.login, url);
          login.searchParams.set('returnTo', url.pathname + url.search);
          return new Response(null, {
            status: 307,
            headers: { location: login.href, 'cache-control': 'no-store' },
          });
        }
      };
    },

    gatehouse: core,
  };
}

/**
 * The status of a Gatehouse error, read from the error rather than by `instanceof`: bundles
 * that share one core (see {@link shared}) may each hold their own copy of the error classes.
 */
function statusOf(error: unknown): number {
  const { status, error: code } = (error ?? {}) as { status?: unknown; error?: unknown };
  return typeof status === 'number' && typeof code === 'string' ? status : 500;
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const end = url.indexOf('?', start);
  return start < 0 ? '/' : url.slice(start, end < 0 ? undefined : end);
}

/** `redirect()`, `notFound()` and friends throw errors Next recognises by their digest. */
function isNextSignal(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' && /^(NEXT_|DYNAMIC_SERVER_USAGE)/.test(digest);
}

/** Next's read-only `Headers` seen as Node's lower-case header record, read on access. */
function headerRecord(headers: Pick<Headers, 'get' | 'has'>): IncomingHttpHeaders {
  return new Proxy({} as IncomingHttpHeaders, {
    get: (_target, name) =>
      typeof name === 'string' ? (headers.get(name) ?? undefined) : undefined,
    has: (_target, name) => typeof name === 'string' && headers.has(name),
  });
}

export {
  requireAuthLevel,
  requireClaims,
  requireGroup,
  requireScope,
  type AuthLevel,
  type ClaimsPredicate,
  type Rule,
} from '../guard/rules.js';
export { fromWebRequest, toWebResponse } from '../http/web.js';
