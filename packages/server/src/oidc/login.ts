import * as client from 'openid-client';
import type { Config } from '../config/parse.js';
import { RESERVED_PARAMS, ROUTE_PARAMS } from '../config/login-params.js';
import { defaults } from '../config/defaults.js';
import { LoginParamInvalidError } from '../errors.js';
import { redirect } from '../http/respond.js';
import { requestTarget } from '../http/target.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { Discovery } from '../provider/discovery.js';
import { localReturnTo } from './return-to.js';
import { authorizationRedirect } from './par.js';
import { withRemoteApis } from '../remote/login.js';
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
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) {
    throw invalid('The sign-in parameter max_age must be a number of seconds.', 'max_age');
  }
  if (acrValues !== undefined && !/^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(acrValues)) {
    throw invalid('The sign-in parameter acr_values is malformed.', 'acr_values');
  }
}

/**
 * `GET /login?returnTo=/path&popup=1&prompt=...`: starts the authorization code flow. RFC 9700
 * 2.1.1: PKCE (S256) even for a confidential client, plus `state` against login CSRF and `nonce`
 * bound to the ID token. The allow-listed parameters of the request go to the provider over the
 * configured `authorizationParams`; what it asked for (`acr_values`, `max_age`, `prompt=none`)
 * is kept in the transaction for the callback to check.
 */
export function loginHandler(config: Config, provider: Discovery, transactions: Transactions) {
  return async function login(request: GatehouseRequest): Promise<GatehouseResponse> {
    const { query } = requestTarget(request);
    const returnTo = localReturnTo(query.get('returnTo'));
    const params = {
      ...config.authorizationParams,
      ...requestedLoginParams(query, config.allowedLoginParams),
    };
    const configuration = await provider.configuration();

    const code_verifier = client.randomPKCECodeVerifier();
    const transaction: Transaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      code_verifier,
      returnTo,
      popup: query.get('popup') === '1',
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
    withRemoteApis(draft, config);
    // Pushed first when PAR is on (or advertised); a refusal throws before any cookie is made.
    const authorizationUrl = await authorizationRedirect(configuration, config, draft);
    const pending = await transactions.read(request);
    const cookie = await transactions.cookie([transaction, ...pending]);
    return redirect(authorizationUrl.href, { 'set-cookie': cookie });
  };
}
