import * as client from 'openid-client';
import type { Config } from '../config/parse.js';
import { ACR_VALUES, MAX_AGE, RESERVED_PARAMS, ROUTE_PARAMS } from '../config/login-params.js';
import { defaults } from '../config/defaults.js';
import { frontendOf, type Frontend } from '../config/frontends.js';
import { LoginParamInvalidError } from '../errors.js';
import { tracing } from '../events.js';
import { redirect } from '../http/respond.js';
import { requestTarget } from '../http/target.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { Discovery } from '../provider/discovery.js';
import { returnTarget } from './return-to.js';
import { authorizationRedirect } from './par.js';
import { withRemoteApiScopes } from '../remote/login.js';
import type { Transaction, Transactions } from './transaction.js';

/** OIDC Core 3.1.2.1 `prompt` values (and `create`, Initiating User Registration 1.0). */
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account', 'create']);
/** Whether a value has no control character (C0 or DEL). */
const hasNoControl = (text: string): boolean =>
  [...text].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);

function invalid(description: string, detail: string): LoginParamInvalidError {
  return new LoginParamInvalidError(description, detail);
}

/**
 * The authorization parameters a `/login` request asks for: only names on the allow-list, each
 * once, short and well formed. A name that Gatehouse sets itself (`redirect_uri`, `state`,
 * `nonce`, PKCE, ...) or any other unknown one is a 400: it is never passed on.
 */
export function requestedLoginParams(
  query: URLSearchParams,
  allowed: readonly string[],
): Record<string, string> {
  const params: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, value] of query) {
    if (seen.has(name)) {
      throw invalid(`The sign-in parameter ${name} is given more than once.`, `${name} repeated`);
    }
    seen.add(name);
    if (ROUTE_PARAMS.includes(name)) continue;
    if (RESERVED_PARAMS.includes(name)) {
      throw invalid(`The sign-in parameter ${name} is set by the application only.`, name);
    }
    if (!allowed.includes(name)) {
      throw invalid(
        `Unknown sign-in parameter: ${name.slice(0, 64)}.`,
        `not allowed: ${name.slice(0, 64)}`,
      );
    }
    if (value.length > defaults.maxLoginParamLength || !hasNoControl(value)) {
      throw invalid(`The sign-in parameter ${name} is too long or malformed.`, `${name} value`);
    }
    params[name] = value;
  }
  checkValues(params);
  return params;
}

function checkValues(params: Record<string, string>): void {
  const { prompt, max_age: maxAge, acr_values: acrValues } = params;
  if (prompt !== undefined) {
    const values = prompt.split(' ');
    if (
      values.some((value) => !PROMPTS.has(value)) ||
      (values.includes('none') && values.length > 1)
    ) {
      throw invalid('The sign-in parameter prompt is not one the provider knows.', 'prompt');
    }
  }
  if (maxAge !== undefined && !MAX_AGE.test(maxAge)) {
    throw invalid('The sign-in parameter max_age must be a number of seconds.', 'max_age');
  }
  if (acrValues !== undefined && !ACR_VALUES.test(acrValues)) {
    throw invalid('The sign-in parameter acr_values is malformed.', 'acr_values');
  }
}

/** Whether every value of the request's `acr_values` is one of the configured ones. */
function narrowsAcr(requested: string, configured: string): boolean {
  const allowed = configured.split(' ');
  return requested.split(' ').every((value) => allowed.includes(value));
}

/**
 * The configured `authorizationParams` with the request's over them. A configured parameter is a
 * floor: the request may repeat it, and may only narrow `acr_values` (a subset: any acr the
 * provider then reaches is still one the application accepts) or `max_age` (fewer seconds).
 * Anything else is a 400, or a browser could pick the organization or drop the second factor.
 */
function withConfiguredFloor(
  configured: Readonly<Record<string, string>>,
  requested: Record<string, string>,
): Record<string, string> {
  const params = { ...configured };
  for (const [name, value] of Object.entries(requested)) {
    const fixed = configured[name];
    if (fixed === undefined || fixed === value) {
      params[name] = value;
    } else if (name === 'max_age') {
      if (Number(value) > Number(fixed)) {
        throw invalid(
          `The sign-in parameter max_age cannot be more than the configured ${fixed} seconds.`,
          `max_age ${value} over ${fixed}`,
        );
      }
      params[name] = value;
    } else if (name === 'acr_values') {
      if (!narrowsAcr(value, fixed)) {
        throw invalid(
          `The sign-in parameter acr_values may only ask for levels the application accepts: ${fixed}.`,
          `acr_values ${value} not within ${fixed}`,
        );
      }
      params[name] = value;
    } else {
      throw invalid(
        `The sign-in parameter ${name} is set by the application and cannot be changed.`,
        `${name} differs from authorizationParams`,
      );
    }
  }
  return params;
}

/**
 * The front end a sign-in without an absolute `returnTo` came from: the `Referer`'s origin when
 * it is a listed one (a browser sends it on navigations unless told not to), else the default.
 */
function refererFrontend(config: Config, request: GatehouseRequest): Frontend {
  const referer = request.headers.referer;
  const origin = referer ? URL.parse(referer)?.origin : undefined;
  return frontendOf(config.frontends, origin) ?? config.frontends[0]!;
}

/**
 * `GET /login?returnTo=/path&popup=1&prompt=...`: starts the authorization code flow. RFC 9700
 * 2.1.1: PKCE (S256) even for a confidential client, plus `state` against login CSRF and `nonce`
 * bound to the ID token. The allow-listed parameters of the request go to the provider with the
 * configured `authorizationParams`, which they may not replace; what was asked for
 * (`acr_values`, `max_age`, `prompt=none`) is kept in the transaction for the callback to check,
 * with the front end the sign-in returns to (docs/front-ends.md) and the provider it started at.
 */
export function loginHandler(
  config: Config,
  provider: Discovery,
  transactions: Transactions,
  providerId = 'default',
) {
  async function login(request: GatehouseRequest): Promise<GatehouseResponse> {
    const { query } = requestTarget(request);
    const target = returnTarget(query.get('returnTo'), config.frontends);
    const params = withConfiguredFloor(
      config.authorizationParams,
      requestedLoginParams(query, config.allowedLoginParams),
    );
    const configuration = await provider.configuration();

    const code_verifier = client.randomPKCECodeVerifier();
    const transaction: Transaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      code_verifier,
      returnTo: target.path,
      frontend: (target.frontend ?? refererFrontend(config, request)).origin,
      popup: query.get('popup') === '1',
      // Pinned: the callback redeems the code at this provider only (mix-up, RFC 9207).
      ...(providerId !== 'default' && { provider: providerId }),
      exp: Math.floor(Date.now() / 1000) + defaults.transactionTtl,
      ...(params.acr_values && { acr: params.acr_values.split(' ') }),
      ...(params.max_age !== undefined && { maxAge: Number(params.max_age) }),
      ...(params.prompt === 'none' && { silent: true }),
    };
    const draft = client.buildAuthorizationUrl(configuration, {
      ...params,
      redirect_uri: config.redirectUri,
      scope: config.scopes,
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(code_verifier),
      code_challenge_method: 'S256',
    });
    withRemoteApiScopes(draft, config);
    // Pushed first when PAR is on (or advertised); a refusal throws before any cookie is made.
    const authorizationUrl = await authorizationRedirect(configuration, config, draft);
    const pending = await transactions.read(request);
    const cookie = await transactions.cookie([transaction, ...pending]);
    return redirect(authorizationUrl.href, { 'set-cookie': cookie });
  }
  return (request: GatehouseRequest) => tracing.login.tracePromise(login, {}, undefined, request);
}
