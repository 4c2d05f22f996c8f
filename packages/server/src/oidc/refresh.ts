import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import { TokenValidationError } from '../errors.js';
import { callProvider } from '../provider/provider-errors.js';
import type { RefreshGrant } from '../session/refresh.js';
import type { Discovery } from '../provider/discovery.js';
import type { SignInHook } from '../config/sign-in-hook.js';
import { requireBound, withProof, type DPoPKeys } from '../session/dpop-key.js';
import { sessionFields } from './token-response.js';

/**
 * The refresh token grant at the provider (OIDC Core 12): new tokens, the rotated refresh token
 * (or the current one when the provider does not rotate), and the user as the refreshed ID
 * token describes them, so a user removed from a group loses it at the next refresh. A session
 * with a DPoP key refreshes with a proof of it: the new tokens stay bound to the same key.
 */
export function refreshGrant(
  provider: Discovery,
  log: Logger,
  onSignIn: SignInHook | undefined,
  dpopKeys: DPoPKeys,
): RefreshGrant {
  return async function refresh(session, current) {
    const configuration = await provider.configuration();
    const DPoP = current.dpop && (await dpopKeys.handle(configuration, current.dpop));
    const tokens = await callProvider('refresh', () =>
      withProof('refresh', DPoP, () =>
        client.refreshTokenGrant(configuration, current.refresh_token!, undefined, { DPoP }),
      ),
    );
    requireBound('refresh', DPoP, tokens);
    const claims = tokens.claims();
    // OIDC Core 12.2: a refreshed ID token must name the same user.
    if (claims && claims.sub !== session.record.user.sub) {
      throw new TokenValidationError(
        'The identity provider changed the signed-in user.',
        'refresh: sub changed',
      );
    }
    return sessionFields(tokens, { configuration, onSignIn, log, DPoP }, { current });
  };
}
