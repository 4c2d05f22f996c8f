import { decodeJwt, jwtVerify } from 'jose';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import { BadRequestError, GatehouseError } from '../errors.js';
import { json } from '../http/respond.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { KeySource } from '../bearer/keys.js';
import { bearerOf } from '../bearer/provider-bearer.js';
import type { Providers } from '../provider/providers.js';
import { channels } from '../events.js';
import type { Sessions } from '../session/sessions.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token older than this is refused (Back-Channel Logout 1.0 2.6 step 7 leaves it to us). */
const MAX_AGE_SECONDS = 300;
/**
 * How much longer a `jti` stays claimed than the token can be accepted: covers jose counting
 * whole seconds, and a store (Redis) whose clock runs ahead of this instance's.
 */
const REPLAY_MARGIN_SECONDS = 60;

/**
 * `POST /backchannel-logout`: the provider tells us a user's session ended (OpenID Connect
 * Back-Channel Logout 1.0). The logout token is checked as section 2.6 says, its `jti` may be
 * used once, and every matching session ends in the store, hence on every instance. With several
 * providers the token's `iss` picks the provider whose keys and client id check it, and only
 * that provider's sessions end: the same `sub` or `sid` elsewhere is another user's.
 */
export function backchannelLogoutHandler(
  config: Config,
  keys: KeySource,
  sessions: Sessions,
  log: Logger,
  providers?: Providers,
) {
  return async function backchannelLogout(request: GatehouseRequest): Promise<GatehouseResponse> {
    try {
      const token = logoutTokenOf(request.body);
      const provider = providers && issuerOf(token) && providers.byIssuer(issuerOf(token)!);
      const { issuer, getKey } = await (provider ? bearerOf(provider).keys : keys).load();
      const { payload } = await jwtVerify(token, getKey, {
        issuer,
        audience: provider ? provider.config.clientId : config.clientId,
        // The provider signs logout tokens with the keys and algorithms of its access tokens.
        algorithms: [...config.accessTokenAlgorithms],
        maxTokenAge: MAX_AGE_SECONDS,
        clockTolerance: config.clockTolerance,
        requiredClaims: ['iat', 'jti'],
      }).catch((error: unknown) => {
        if (error instanceof GatehouseError && error.status >= 500) throw error;
        throw invalid(`verification failed: ${(error as Error).message}`);
      });
      const events = payload.events as Record<string, unknown> | undefined;
      if (typeof events?.[EVENT] !== 'object' || events[EVENT] === null)
        throw invalid('events claim');
      if ('nonce' in payload) throw invalid('nonce present');
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
      if (!sid && !sub) throw invalid('neither sid nor sub');
      // The token is accepted until iat + max age + tolerance at the latest (exp may end it
      // sooner, never later): its jti stays claimed clearly beyond that.
      const expiresAt =
        payload.iat! + MAX_AGE_SECONDS + config.clockTolerance + REPLAY_MARGIN_SECONDS;
      if (!(await sessions.claimOnce(`jti:${payload.iss}:${payload.jti}`, expiresAt))) {
        throw invalid('jti replayed');
      }

      const at = provider ? provider.id : providers?.default.id;
      const ended = await sessions.endMatching({ sid, sub, ...(at && { provider: at }) });
      log.info({ sub, sessions: ended }, 'back-channel logout');
      if (sub) channels.signOut.publish({ sub });
      return json(200, {});
    } catch (error) {
      if (!(error instanceof GatehouseError)) throw error;
      log.warn(
        { code: error.code, detail: error.detail },
        `back-channel logout refused: ${error.description}`,
      );
      return json(error.status >= 500 ? error.status : 400, {
        error: error.status >= 500 ? error.error : 'invalid_request',
        error_description: error.description,
      });
    }
  };
}

/** A logout token's `iss`, read unverified to pick the provider whose keys then check it. */
function issuerOf(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined; // malformed: its verification fails with a 400
  }
}

function logoutTokenOf(body: unknown): string {
  const token =
    typeof body === 'string'
      ? new URLSearchParams(body).get('logout_token')
      : (body as Record<string, unknown> | undefined)?.logout_token;
  if (typeof token !== 'string' || token.length === 0 || token.length > 16_384) {
    throw new BadRequestError('The request needs a logout_token.', 'no logout_token');
  }
  return token;
}

function invalid(detail: string): BadRequestError {
  return new BadRequestError('The logout token is invalid.', `logout token: ${detail}`);
}
