import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import { TokenValidationError } from '../errors.js';
import { callProvider } from './provider-errors.js';
import type { RefreshGrant } from '../session/refresh.js';
import { epochSeconds } from '../session/sessions.js';
import type { Discovery } from './discovery.js';
import type { SignInHook } from '../config/sign-in-hook.js';
import { grantedScopes, keptClaims, userOfTokens } from './user.js';

/**
 * The refresh token grant at the provider (OIDC Core 12): new tokens, the rotated refresh token
 * (or the current one when the provider does not rotate), and the user as the refreshed ID
 * token describes them, so a user removed from a group loses it at the next refresh.
 */
export function refreshGrant(
  provider: Discovery,
  log: Logger,
  onSignIn?: SignInHook,
): RefreshGrant {
  return async function refresh(session, current) {
    const configuration = await provider.configuration();
    const tokens = await callProvider('refresh', () =>
      client.refreshTokenGrant(configuration, current.refresh_token!),
    );
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
      },
      accessTokenExpiresAt: expiresIn === undefined ? 0 : epochSeconds() + expiresIn,
      user: claims && (await userOfTokens(configuration, claims, tokens.access_token, log)),
      scopes: grantedScopes(tokens),
      // A new ID token: the app's hook decides again (false ends the session).
      claims: claims && (await keptClaims(configuration, onSignIn, claims, tokens, true, log)),
    };
  };
}
