import { defaultLogger, type GatehouseLogger as Logger } from './logger.js';
import type { GatehouseOptions } from './config/options.js';
import { parseConfig, type Config, type OptionNames } from './config/parse.js';
import { withDevSecret } from './config/dev-secret.js';
import { withClientKey } from './config/client-key-file.js';
import { IssuerVerifiers } from './bearer/issuers.js';
import { authenticator, optionalAuthenticator, type Principal } from './guard/authenticate.js';
import { challengeHeaders, type Rule } from './guard/rules.js';
import { authorizer, type AuthorizeOptions } from './guard/authorize.js';
import { corsPolicy } from './guard/cors.js';
import { errorResponse, toGatehouseError } from './http/respond.js';
import type { GatehouseRequest, GatehouseResponse } from './http/types.js';
import { handler, routeTable, type BodyReader, type Route } from './core.js';
import { callbackHandler } from './oidc/callback.js';
import { loginHandler } from './oidc/login.js';
import { logoutHandler } from './oidc/logout.js';
import { perProvider, Providers } from './provider/providers.js';
import { bearerOf } from './bearer/provider-bearer.js';
import { providerLogin } from './oidc/choose-provider.js';
import { refreshGrant } from './oidc/refresh.js';
import { Refresher } from './session/refresh.js';
import { refreshTokenRevoker } from './provider/revoke.js';
import { Transactions } from './oidc/transaction.js';
import { Sessions } from './session/sessions.js';
import { openStore } from './session/open-store.js';
import { selfServiceHandlers } from './session/self-service.js';
import { backchannelLogoutHandler } from './oidc/backchannel-logout.js';
import { jwksHandler } from './oidc/jwks.js';
import { readiness, type Readiness } from './provider/readiness.js';
import type { SessionStore } from './session-store.js';
import { remoteApiHandler } from './remote/proxy.js';
import { ApiTokens } from './remote/tokens.js';
import { appTokens } from './remote/app-tokens.js';
import { DPoPKeys } from './session/dpop-key.js';

export type { BodyReader, Route, RouteHandler, RouteName } from './core.js';

/**
 * The framework-free core. `handle` serves Gatehouse's routes and `authenticate` guards the
 * app's own; an adapter maps its host's request and response onto them and nothing else.
 */
export interface Gatehouse {
  readonly config: Config;
  readonly log: Logger;
  /** The auth routes, declared once as data (method, path, body kind, handler). */
  readonly routes: readonly Route[];
  /**
   * The response for a request to one of {@link routes} (or its CORS preflight), with CORS
   * headers for FRONTEND_URL; undefined for any other request, which the host serves. Never
   * rejects: every failure is already a response. `readBody` reads the raw body for the one
   * route that needs it when the host has not parsed it into `request.body`.
   *
   * @example
   * ```ts
   * const response = await gatehouse.handle(req, readNodeBody)
   * if (response) send(res, response); else next()
   * ```
   */
  handle(request: GatehouseRequest, readBody?: BodyReader): Promise<GatehouseResponse | undefined>;
  /**
   * Resolves to the caller (a Bearer token when the request has one, else the session cookie),
   * or rejects with a 401/403/503 {@link GatehouseError}.
   */
  authenticate(request: GatehouseRequest): Promise<Principal>;
  /**
   * As {@link authenticate}, for a route that serves signed-out callers too: resolves to `null`
   * when the request has no credential or its session has ended. Still rejects a CSRF failure
   * (403), an outage (503) and an access token that is not valid (401, RFC 6750 3.1).
   */
  authenticateOrNull(request: GatehouseRequest): Promise<Principal | null>;
  /**
   * The guard of an app route, which every adapter's `requireAuth` is: {@link authenticate},
   * then each rule in order. Resolves to the caller, or rejects as {@link authenticate} does or
   * with the first refusing rule's error (403; 401 for `requireAuthLevel`). With `principal`
   * (the caller an earlier guard of this request found) the rules are checked against it.
   *
   * @example
   * ```ts
   * const principal = await gatehouse.authorize(request, [requireGroup('admins')])
   * ```
   */
  authorize(
    request: GatehouseRequest,
    rules?: readonly Rule[],
    options?: AuthorizeOptions,
  ): Promise<Principal>;
  /**
   * The signed-in browser's access token, or with `api` (a `remoteApis` path such as
   * `/api/orders`) its token for that API, renewed before it expires (docs/remote-apis.md).
   * Rejects as {@link authenticate} does, 403 for a Bearer caller.
   */
  accessToken(request: GatehouseRequest, options?: { api?: string }): Promise<string>;
  /**
   * The headers to call an API yourself with that token (docs/dpop.md): `Authorization: Bearer`,
   * or with `DPOP=on` `Authorization: DPoP` and a fresh `DPoP` proof for `method` and `url`,
   * signed with the session's key (which never leaves the server). `nonce`: the `DPoP-Nonce` the
   * API answered with `use_dpop_nonce`, for the retry. Rejects as {@link accessToken} does.
   */
  authorizationHeaders(
    request: GatehouseRequest,
    options: { url: string | URL; method?: string; api?: string; nonce?: string },
  ): Promise<{ authorization: string; dpop?: string }>;
  /** CORS headers for any response, and the answer to a preflight. */
  readonly cors: ReturnType<typeof corsPolicy>;
  /** Turns any thrown value into a JSON error response (generic 500 for the unexpected). */
  errorResponse(error: unknown, context: string): GatehouseResponse;
  /** Whether discovery has loaded. */
  readonly ready: boolean;
  /** The session store, for metrics and custom session management. */
  readonly store: SessionStore;
  /**
   * For a readiness probe: discovery loaded and the store answering, each `'ok'` or the reason
   * it is not, waiting at most `waitMs` for either. With several providers, each one's discovery
   * by id in `providers`; ready while at least one has loaded (docs/tenants.md).
   */
  readiness(waitMs?: number): Promise<Readiness>;
  close(): Promise<void>;
}

/**
 * Creates the core from options; `names` maps options to the environment variables they came
 * from, so configuration errors name what the user must fix.
 *
 * @example
 * ```ts
 * import { createGatehouse, optionsFromEnv, ENV_NAMES } from '@gatehouse/server'
 * const gatehouse = createGatehouse(optionsFromEnv(), ENV_NAMES)
 * ```
 */
export function createGatehouse(options: GatehouseOptions, names?: OptionNames): Gatehouse {
  // The development secret file is read (or written) here, not by the pure parseConfig.
  // So is the private key file of private_key_jwt (or its development key).
  const config = parseConfig(withClientKey(withDevSecret(options), names), names);
  const log = (options.logger ?? defaultLogger('gatehouse')).child({ component: 'gatehouse' });
  const store = openStore(config.sessionStore, names?.sessionStore ?? 'sessionStore', log);
  // Each provider has its own discovery, keys and backoff (docs/tenants.md).
  const providers = new Providers(config, log);
  const provider = providers.default.discovery;
  const revokers = perProvider((one) => refreshTokenRevoker(one.discovery, log));
  const sessions = new Sessions(store, config, {
    log,
    revoke: (token, id) => void providers.ofSession(id).then((one) => revokers(one)(token), noop),
  });
  const transactions = new Transactions(config);
  // Signers of sessions' DPoP keys (DPOP=on), with the nonces servers gave them.
  const dpopKeys = new DPoPKeys();
  // One instance holds the refresh lock for at most two provider timeouts.
  const grants = perProvider((one) => refreshGrant(one.discovery, log, config.onSignIn, dpopKeys));
  const refresher = new Refresher(
    sessions,
    async (session, tokens) =>
      grants(await providers.ofSession(session.record.provider))(session, tokens),
    log,
    (config.httpTimeout * 2 + 5) * 1000,
  );
  const guard = authenticator(
    config,
    sessions,
    refresher,
    providers.several ? new IssuerVerifiers(providers) : bearerOf(providers.default).verifier,
  );
  const { authenticate } = guard;

  // Discovery starts now, in the background: the first sign-in need not wait for it, and a
  // provider that is down is retried with backoff from the start.
  for (const one of providers.configured) one.discovery.configuration().catch(noop);

  const apiTokens = new ApiTokens(
    config,
    sessions,
    providers,
    log,
    (config.httpTimeout * 2 + 5) * 1000,
    dpopKeys,
  );
  const cors = corsPolicy(config);
  const login = providerLogin(config, providers, (one) =>
    loginHandler(one.config, one.discovery, transactions, one.id),
  );
  const selfService = selfServiceHandlers(sessions, authenticate);
  /** Each remote API's connections to its upstream, closed with the Gatehouse. */
  const upstreams: Array<{ close(): Promise<void> }> = [];
  const table = routeTable(config, log, {
    login,
    callback: callbackHandler(config, providers, transactions, sessions, log, dpopKeys),
    logout: logoutHandler(config, providers, sessions, log),
    me: selfService.me,
    backchannelLogout: backchannelLogoutHandler(
      config,
      bearerOf(providers.default).keys,
      sessions,
      log,
      providers,
    ),
    sessions: selfService.list,
    endDevice: selfService.end,
    jwks: jwksHandler(config),
    remoteApi(api) {
      const handler = remoteApiHandler(api, {
        session: guard.remoteApiSession,
        tokens: apiTokens,
        cors,
        log,
      });
      upstreams.push(handler);
      return handler;
    },
  });
  const tokens = appTokens(config, sessions, apiTokens, guard.browserSession);
  const serve = handler(table, cors);

  const gatehouse: Gatehouse = {
    config,
    log,
    routes: table,
    async handle(request, readBody) {
      try {
        return await serve(request, readBody);
      } catch (error) {
        // Only reading the body can fail here (too large, cut off): routes answer their own.
        return errorResponse(toGatehouseError(error, log, `${request.method} ${request.url}`));
      }
    },
    authenticate,
    authenticateOrNull: optionalAuthenticator(authenticate),
    authorize: authorizer(authenticate),
    accessToken: tokens.accessToken,
    authorizationHeaders: tokens.authorizationHeaders,
    cors,
    errorResponse(error, context) {
      const failure = toGatehouseError(error, log, context);
      return errorResponse(failure, challengeHeaders(failure));
    },
    get ready() {
      return provider.ready;
    },
    store,
    readiness(waitMs = 2000) {
      return readiness(providers.configured, store, waitMs);
    },
    async close() {
      providers.close();
      await Promise.all(upstreams.map((upstream) => upstream.close()));
      await store.close();
    },
  };
  Object.defineProperty(gatehouse, INTERNALS, { value: { sessions } satisfies Internals });
  return gatehouse;
}

/** Not public API: what `@gatehouse/server/testing` reaches through a Gatehouse. */
const INTERNALS = Symbol('gatehouse internals');
interface Internals {
  readonly sessions: Sessions;
}

/** The internals of a Gatehouse that `createGatehouse` made, else undefined. */
export function internalsOf(gatehouse: Gatehouse): Internals | undefined {
  return (gatehouse as unknown as Record<symbol, Internals | undefined>)[INTERNALS];
}

const noop = () => {};
