import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import { CallbackInvalidError, StateMismatchError, TransactionMissingError } from '../errors.js';
import { redirect, toGatehouseError } from '../http/respond.js';
import { requestTarget } from '../http/target.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import { epochSeconds, type Sessions } from '../session/sessions.js';
import { errorPage, popupPages } from './pages.js';
import { callProvider, channels } from '../observe.js';
import type { Provider } from './provider.js';
import type { Transactions } from './transaction.js';
import { grantedScopes, userOfTokens } from './user.js';

/**
 * `GET /signin-oidc`: checks the authorization response against this browser's transaction
 * (state, then `iss`, PKCE and nonce through openid-client), redeems the code, verifies the ID
 * token's signature, and starts a session under a new id.
 */
export function callbackHandler(
  config: Config,
  provider: Provider,
  transactions: Transactions,
  sessions: Sessions,
  log: Logger,
) {
  const popup = popupPages(config.frontendOrigin, config.frontendUrl.href);

  return async function callback(request: GatehouseRequest): Promise<GatehouseResponse> {
    const currentUrl = new URL(config.redirectUri);
    currentUrl.search = requestTarget(request).search;
    const params = currentUrl.searchParams;
    const pending = await transactions.read(request);
    const transaction = pending.find((tx) => tx.state === params.get('state'));
    const clearTransaction = await transactions.cookie(pending.filter((tx) => tx !== transaction));

    try {
      if (pending.length === 0) {
        throw new TransactionMissingError(
          'This sign-in has expired or was started in another browser. Please sign in again.',
        );
      }
      if (!transaction) {
        throw new StateMismatchError(
          'This sign-in response does not belong to a sign-in started here. Please sign in again.',
          `state ${params.has('state') ? 'unknown' : 'missing'}`,
        );
      }
      if (!params.has('code') && !params.has('error')) {
        throw new CallbackInvalidError(
          'The sign-in response is incomplete. Please sign in again.',
          'no code',
        );
      }
      const configuration = await provider.configuration();
      const tokens = await callProvider('callback', () =>
        client.authorizationCodeGrant(configuration, currentUrl, {
          pkceCodeVerifier: transaction.code_verifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        }),
      );
      const claims = tokens.claims()!;
      const user = await userOfTokens(configuration, claims, tokens.access_token, log);

      // Session fixation (OWASP): a sign-in always gets a new id; any previous session ends.
      await sessions.endById(sessions.idOf(request) ?? '');
      const expiresIn = tokens.expiresIn();
      const session = await sessions.start({
        user,
        scopes: grantedScopes(tokens),
        tokens: {
          access_token: tokens.access_token,
          ...(tokens.refresh_token && { refresh_token: tokens.refresh_token }),
          ...(tokens.id_token && { id_token: tokens.id_token }),
        },
        accessTokenExpiresAt: expiresIn === undefined ? 0 : epochSeconds() + expiresIn,
        ...(typeof claims.sid === 'string' && { sid: claims.sid }),
        ...(request.headers['user-agent'] && { userAgent: request.headers['user-agent'] }),
      });
      log.info({ sub: user.sub }, 'signed in');
      channels.signIn.publish({ sub: user.sub });

      const response = transaction.popup
        ? popup.signedIn()
        : redirect(
            transaction.returnTo === '/'
              ? config.frontendUrl.href
              : config.frontendOrigin + transaction.returnTo,
            // This URL holds the code: no Referer from the redirect onwards (RFC 9700 4.2.4).
            { 'referrer-policy': 'no-referrer' },
          );
      response.headers['set-cookie'] = [clearTransaction, sessions.cookie(session.id)];
      return response;
    } catch (error) {
      const failure = toGatehouseError(error, log, 'sign-in callback');
      channels.signInFailed.publish({ code: failure.code });
      const response = transaction?.popup
        ? popup.failed(failure.status, failure.error, failure.description)
        : errorPage(failure.status, failure.error, failure.description, config.frontendUrl.href);
      response.headers['set-cookie'] = clearTransaction;
      return response;
    }
  };
}
