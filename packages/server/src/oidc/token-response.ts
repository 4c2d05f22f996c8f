import type * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { SignInHook } from '../config/sign-in-hook.js';
import type { DPoPPrivateJwk, SessionTokens } from '../session/crypto.js';
import { epochSeconds, type Refreshed } from '../session/sessions.js';
import { grantedScopes, keptClaims, userOfTokens } from '../provider/user.js';

/** A token endpoint's answer, as openid-client gives it. */
type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

/** How the provider is asked for more (the userinfo endpoint) while a response is read. */
export interface ProviderCall {
  configuration: client.Configuration;
  onSignIn: SignInHook | undefined;
  log: Logger;
  DPoP: client.DPoPHandle | undefined;
}

/**
 * A token response as session fields, for a sign-in (callback) and a refresh alike: the tokens
 * to seal, when the access token expires, the user and the granted scopes when the response
 * says, and the claims the app's `onSignIn` keeps from a new ID token (`null`: it kept none).
 * `current`: the session's tokens when this response refreshes them; what the response does not
 * replace (refresh token, ID token, DPoP key, the remote APIs' tokens) is kept. `dpop`: the key
 * a sign-in's tokens are bound to.
 */
export async function sessionFields(
  response: TokenResponse,
  { configuration, onSignIn, log, DPoP }: ProviderCall,
  { current, dpop = current?.dpop }: { current?: SessionTokens; dpop?: DPoPPrivateJwk },
): Promise<Refreshed> {
  const claims = response.claims();
  const user =
    claims && (await userOfTokens(configuration, claims, response.access_token, log, DPoP));
  const refreshing = current !== undefined;
  const kept =
    claims && (await keptClaims(configuration, onSignIn, claims, response, refreshing, log, DPoP));
  const expiresIn = response.expiresIn();
  const refreshToken = response.refresh_token ?? current?.refresh_token;
  const idToken = response.id_token ?? current?.id_token;
  return {
    tokens: {
      access_token: response.access_token,
      ...(refreshToken && { refresh_token: refreshToken }),
      ...(idToken && { id_token: idToken }),
      ...(dpop && { dpop }),
      // The remote APIs' tokens stay good until their own expiry (remote/tokens.ts renews them).
      ...(current?.apis && { apis: current.apis }),
    },
    accessTokenExpiresAt: expiresIn === undefined ? 0 : epochSeconds() + expiresIn,
    user,
    scopes: grantedScopes(response),
    // A new ID token: the app's hook decides again (false ends the session), and what it keeps
    // replaces the session's kept claims; null clears them when it keeps none.
    claims: claims ? (kept ?? null) : undefined,
  };
}
