import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import * as client from 'openid-client';

export const ADA = { email: 'ada@example.com', password: 'ada-dev-password' };

/**
 * Signs in through a backend as a browser would (its login route, the IdP's form, its
 * callback) and returns the `name=value` pairs of the cookies the callback set whose name
 * starts with `prefix`, joined as a `Cookie` header: what the browser sends on each API call.
 */
export async function signInThroughBackend(
  backendUrl: string,
  { loginPath, prefix }: { loginPath: string; prefix: string },
): Promise<string> {
  const jar = new CookieJar();
  const login = await jar.fetch(`${backendUrl}${loginPath}`);
  await login.body?.cancel();
  if (login.status !== 302) throw new Error(`${backendUrl}${loginPath} answered ${login.status}`);
  const callbackUrl = await signIn(new URL(login.headers.get('location')!, backendUrl), ADA, jar);
  const callback = await jar.fetch(callbackUrl);
  await callback.body?.cancel();
  const pairs = callback.headers
    .getSetCookie()
    .map((line) => line.split(';', 1)[0]!)
    .filter((pair) => pair.startsWith(prefix) && !pair.endsWith('='));
  if (callback.status >= 400 || pairs.length === 0) {
    throw new Error(
      `callback ${callbackUrl} answered ${callback.status} without a ${prefix} cookie`,
    );
  }
  return pairs.join('; ');
}

/**
 * A real token set for Ada from the dev IdP (authorization code + PKCE, the scopes Gatehouse
 * asks for): what a session keeps.
 */
export async function realTokens(
  issuer: string,
  clientId: string,
  clientSecret: string,
  redirectUri: string,
) {
  const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
  });
  const callbackUrl = await signIn(url, ADA);
  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
  });
  return {
    access_token: tokens.access_token,
    ...(tokens.refresh_token && { refresh_token: tokens.refresh_token }),
    ...(tokens.id_token && { id_token: tokens.id_token }),
    sid: tokens.claims()?.sid as string | undefined,
  };
}
