import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import { frontendOf, type Frontend } from '../config/frontends.js';
import { signInFloor } from '../config/login-params.js';
import {
  AuthLevelRefusedError,
  CallbackInvalidError,
  StateMismatchError,
  TransactionMissingError,
} from '../errors.js';
import { redirect, toGatehouseError } from '../http/respond.js';
import { requestTarget } from '../http/target.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { Sessions } from '../session/sessions.js';
import { newDPoPKey, requireBound, withProof, type DPoPKeys } from '../session/dpop-key.js';
import { errorPage, popupPages } from './pages.js';
import { channels, tracing } from '../events.js';
import { callProvider } from '../provider/provider-errors.js';
import type { Providers } from '../provider/providers.js';
import type { Transaction, Transactions } from './transaction.js';
import { sessionFields } from './token-response.js';

/** The errors of a `prompt=none` sign-in that mean "the user must interact": signed out. */
const SIGN_IN_NEEDED = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

const NO_REFERRER = { 'referrer-policy': 'no-referrer' };

/** The front end that started a sign-in: the recorded one if still listed, else the default. */
function frontendOfTransaction(config: Config, transaction: Transaction | undefined): Frontend {
  return frontendOf(config.frontends, transaction?.frontend) ?? config.frontends[0]!;
}

/** Where a sign-in returns: `/` is the front end's URL as configured, another path is on it. */
function returnUrl(config: Config, transaction: Transaction): string {
  const frontend = frontendOfTransaction(config, transaction);
  return transaction.returnTo === '/' ? frontend.url.href : frontend.origin + transaction.returnTo;
}

/** Where a silent sign-in that found no provider session returns: the marker tells the SDK. */
function signedOutUrl(config: Config, transaction: Transaction): string {
  const url = new URL(returnUrl(config, transaction));
  url.hash = 'gatehouse=signed-out';
  return url.href;
}

/** The smaller of two `max_age`s, either of which may be absent. */
function strictestMaxAge(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/**
 * `GET /signin-oidc`: checks the authorization response against this browser's transaction
 * (state, then `iss`, PKCE and nonce through openid-client), redeems the code, verifies the ID
 * token's signature, and starts a session under a new id.
 */
export function callbackHandler(
  config: Config,
  providers: Providers,
  transactions: Transactions,
  sessions: Sessions,
  log: Logger,
  dpopKeys: DPoPKeys,
) {
  // Per front end: the popup posts to the origin that started the sign-in, and no other.
  const popups = new Map(
    config.frontends.map((one) => [one.origin, popupPages(one.origin, one.url.href)]),
  );

  async function callback(request: GatehouseRequest): Promise<GatehouseResponse> {
    const currentUrl = new URL(config.redirectUri);
    currentUrl.search = requestTarget(request).search;
    const params = currentUrl.searchParams;
    const pending = await transactions.read(request);
    const transaction = pending.find((tx) => tx.state === params.get('state'));
    const clearTransaction = await transactions.cookie(pending.filter((tx) => tx !== transaction));
    const frontend = frontendOfTransaction(config, transaction);
    const popup = popups.get(frontend.origin)!;

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
      // The transaction's provider, and no other, checks this answer: its `iss` parameter
      // (RFC 9207 2.4) and ID token issuer must be that provider's (mix-up, RFC 9700 4.4).
      const provider = await providers.ofSession(transaction.provider);
      // The configured acr_values and max_age bind every sign-in, whatever its transaction asked.
      const floor = signInFloor(provider.config.authorizationParams);
      const maxAge = strictestMaxAge(transaction.maxAge, floor.maxAge);
      const configuration = await provider.discovery.configuration();
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
              ...(maxAge !== undefined && { maxAge }),
            },
            undefined,
            { DPoP },
          ),
        ),
      );
      requireBound('callback', DPoP, tokens);
      const claims = tokens.claims()!;
      const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
      for (const asked of [floor.acr, transaction.acr]) {
        if (asked && (acr === undefined || !asked.includes(acr))) {
          throw new AuthLevelRefusedError(
            'The identity provider did not sign you in as strongly as this application asked. Please sign in again.',
            `acr ${acr ?? '(none)'} not in ${asked.join(' ')}`,
          );
        }
      }
      const fields = await sessionFields(
        tokens,
        { configuration, onSignIn: config.onSignIn, log, DPoP },
        { dpop: dpopKey },
      );
      // An ID token was required (idTokenExpected), so the user is known.
      const user = fields.user!;

      // Session fixation (OWASP): a sign-in always gets a new id; any previous session ends.
      await sessions.endById(sessions.idOf(request) ?? '');
      const session = await sessions.start({
        user,
        scopes: fields.scopes,
        tokens: fields.tokens,
        accessTokenExpiresAt: fields.accessTokenExpiresAt,
        ...(typeof claims.sid === 'string' && { sid: claims.sid }),
        ...(request.headers['user-agent'] && { userAgent: request.headers['user-agent'] }),
        ...(acr !== undefined && { acr }),
        ...(typeof claims.auth_time === 'number' && { authTime: claims.auth_time }),
        ...(fields.claims && { claims: fields.claims }),
        ...(transaction.provider && { provider: transaction.provider }),
      });
      log.info({ sub: user.sub }, 'signed in');
      channels.signIn.publish({ sub: user.sub });

      // This URL holds the code: no Referer from the redirect onwards (RFC 9700 4.2.4).
      const response = transaction.popup
        ? popup.signedIn()
        : redirect(returnUrl(config, transaction), NO_REFERRER);
      response.headers['set-cookie'] = [clearTransaction, sessions.cookie(session.id)];
      return response;
    } catch (error) {
      const failure = toGatehouseError(error, log, 'sign-in callback');
      channels.signInFailed.publish({ code: failure.code });
      const response = transaction?.popup
        ? popup.failed(failure.status, failure.error, failure.description)
        : errorPage(failure.status, failure.error, failure.description, frontend.url.href);
      response.headers['set-cookie'] = clearTransaction;
      return response;
    }
  }
  return (request: GatehouseRequest) =>
    tracing.callback.tracePromise(callback, {}, undefined, request);
}
