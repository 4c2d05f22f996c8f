import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import {
  AuthLevelRefusedError,
  CallbackInvalidError,
  StateMismatchError,
  TransactionMissingError,
} from '../errors.js';
import { redirect, toGatehouseError } from '../http/respond.js';
import { requestTarget } from '../http/target.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import { epochSeconds, type Sessions } from '../session/sessions.js';
import { newDPoPKey, requireBound, withProof, type DPoPKeys } from '../session/dpop-key.js';
import { errorPage, popupPages } from './pages.js';
import { channels } from '../events.js';
import { callProvider } from '../provider/provider-errors.js';
import type { Discovery } from '../provider/discovery.js';
import type { Transaction, Transactions } from './transaction.js';
import { grantedScopes, keptClaims, userOfTokens } from '../provider/user.js';

/** The errors of a `prompt=none` sign-in that mean "the user must interact": signed out. */
const SIGN_IN_NEEDED = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

const NO_REFERRER = { 'referrer-policy': 'no-referrer' };

/** Where a silent sign-in that found no provider session returns: the marker tells the SDK. */
function signedOutUrl(config: Config, transaction: Transaction): string {
  const url = new URL(
    transaction.returnTo === '/'
      ? config.frontendUrl.href
      : config.frontendOrigin + transaction.returnTo,
  );
  url.hash = 'gatehouse=signed-out';
  return url.href;
}

/**
 * `GET /signin-oidc`: checks the authorization response against this browser's transaction
 * (state, then `iss`, PKCE and nonce through openid-client), redeems the code, verifies the ID
 * token's signature, and starts a session under a new id.
 */
export function callbackHandler(
  config: Config,
  provider: Discovery,
  transactions: Transactions,
  sessions: Sessions,
  log: Logger,
  dpopKeys: DPoPKeys,
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
      if (transaction.silent && SIGN_IN_NEEDED.has(params.get('error') ?? '')) {
        // prompt=none and the provider would need the user: signed out, no error page.
        const response = redirect(signedOutUrl(config, transaction), NO_REFERRER);
        response.headers['set-cookie'] = clearTransaction;
        return response;
      }
      const configuration = await provider.configuration();
      // DPOP=on: the session's own key, made now; the tokens it redeems are bound to it.
      const dpopKey = config.dpop ? await newDPoPKey() : undefined;
      const DPoP = dpopKey && (await dpopKeys.handle(configuration, dpopKey));
      const tokens = await callProvider('callback', () =>
        withProof('callback', DPoP, () =>
          client.authorizationCodeGrant(
            configuration,
            currentUrl,
            {
              pkceCodeVerifier: transaction.code_verifier,
              expectedState: transaction.state,
              expectedNonce: transaction.nonce,
              idTokenExpected: true,
              // max_age asked: openid-client requires auth_time and checks it (OIDC Core 3.1.3.7).
              ...(transaction.maxAge !== undefined && { maxAge: transaction.maxAge }),
            },
            undefined,
            { DPoP },
          ),
        ),
      );
      requireBound('callback', DPoP, tokens);
      const claims = tokens.claims()!;
      const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
      if (transaction.acr && (acr === undefined || !transaction.acr.includes(acr))) {
        throw new AuthLevelRefusedError(
          'The identity provider did not sign you in as strongly as this application asked. Please sign in again.',
          `acr ${acr ?? '(none)'} not in ${transaction.acr.join(' ')}`,
        );
      }
      const user = await userOfTokens(configuration, claims, tokens.access_token, log, DPoP);
      const kept = await keptClaims(
        configuration,
        config.onSignIn,
        claims,
        tokens,
        false,
        log,
        DPoP,
      );

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
          ...(dpopKey && { dpop: dpopKey }),
        },
        accessTokenExpiresAt: expiresIn === undefined ? 0 : epochSeconds() + expiresIn,
        ...(typeof claims.sid === 'string' && { sid: claims.sid }),
        ...(request.headers['user-agent'] && { userAgent: request.headers['user-agent'] }),
        ...(acr !== undefined && { acr }),
        ...(typeof claims.auth_time === 'number' && { authTime: claims.auth_time }),
        ...(kept && { claims: kept }),
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
            NO_REFERRER,
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
