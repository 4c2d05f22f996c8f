import * as client from 'openid-client';
import type { Config } from '../config/parse.js';
import { redirect } from '../http/respond.js';
import { requestTarget } from '../http/target.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { Provider } from './provider.js';
import { localReturnTo } from './return-to.js';
import type { Transactions } from './transaction.js';
import { defaults } from '../config/defaults.js';

/**
 * `GET /login?returnTo=/path&popup=1`: starts the authorization code flow. RFC 9700 2.1.1:
 * PKCE (S256) even for a confidential client, plus `state` against login CSRF and `nonce`
 * bound to the ID token.
 */
export function loginHandler(config: Config, provider: Provider, transactions: Transactions) {
  return async function login(request: GatehouseRequest): Promise<GatehouseResponse> {
    const { query } = requestTarget(request);
    const returnTo = localReturnTo(query.get('returnTo'));
    const configuration = await provider.configuration();

    const code_verifier = client.randomPKCECodeVerifier();
    const transaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      code_verifier,
      returnTo,
      popup: query.get('popup') === '1',
      exp: Math.floor(Date.now() / 1000) + defaults.transactionTtl,
    };
    const authorizationUrl = client.buildAuthorizationUrl(configuration, {
      redirect_uri: config.redirectUri,
      scope: config.scopes,
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(code_verifier),
      code_challenge_method: 'S256',
    });
    const pending = await transactions.read(request);
    const cookie = await transactions.cookie([transaction, ...pending]);
    return redirect(authorizationUrl.href, { 'set-cookie': cookie });
  };
}
