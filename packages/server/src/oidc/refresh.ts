import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import { TokenValidationError } from '../errors.js';
import { callProvider } from '../provider/provider-errors.js';
import type { RefreshGrant } from '../session/refresh.js';
import { epochSeconds } from '../session/sessions.js';
import type { Discovery } from '../provider/discovery.js';
import type { SignInHook } from '../config/sign-in-hook.js';
import { requireBound, withProof, type DPoPKeys } from '../session/dpop-key.js';
import { grantedScopes, keptClaims, userOfTokens } from '../provider/user.js';

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
    const expiresIn = tokens.expiresIn();
    const idToken = tokens.id_token ?? current.id_token;
    return {
      tokens: {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token ?? current.refresh_token!,
        ...(idToken && { id_token: idToken }),
        ...(current.dpop && { dpop: current.dpop }),
        // The remote APIs' tokens stay good until their own expiry (remote/tokens.ts renews them).
        ...(current.apis && { apis: current.apis }),
      },
      accessTokenExpiresAt: expiresIn === undefined ? 0 : epochSeconds() + expiresIn,
      user: claims && (await userOfTokens(configuration, claims, tokens.access_token, log, DPoP)),
      scopes: grantedScopes(tokens),
      // A new ID token: the app's hook decides again (false ends the session), and what it
      // keeps replaces the session's kept claims; null clears them when it keeps none.
      claims: claims
        ? ((await keptClaims(configuration, onSignIn, claims, tokens, true, log, DPoP)) ?? null)
        : undefined,
    };
  };
}
