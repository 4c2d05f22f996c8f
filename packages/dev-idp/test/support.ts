import * as client from 'openid-client';
import { startDevIdp, type DevIdp, type DevIdpOptions } from '../src/index.js';

/** The redirect URI of the test web client; nothing listens there, tests read the URL. */
export const REDIRECT_URI = 'http://localhost:4999/signin-oidc';
export const POST_LOGOUT_URI = 'http://localhost:4999/';
export const ADA = { email: 'ada@example.com', password: 'ada-dev-password' };

/** The web client every test signs in with. */
export const TEST_WEB_CLIENT = Object.freeze({
  client_id: 'test-web',
  client_secret: 'test-web-secret',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: [REDIRECT_URI],
  post_logout_redirect_uris: [POST_LOGOUT_URI],
});

/** A dev IdP on a free port with in-memory keys, the test web client and the demo CLI client. */
export function startTestIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  return startDevIdp({
    port: 0,
    keysFile: false,
    quiet: true,
    fixedDemoCredentials: true,
    clients: [
      { ...TEST_WEB_CLIENT },
      {
        client_id: 'gatehouse-cli',
        client_secret: 'gatehouse-cli-secret',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'api',
      },
    ],
    ...options,
  });
}

/** openid-client configuration for a client of `idp` (http allowed: it is on localhost). */
export async function discover(
  idp: DevIdp,
  clientId = 'test-web',
  secret = `${clientId}-secret`,
): Promise<client.Configuration> {
  const config = await client.discovery(new URL(idp.issuer), clientId, secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  client.enableNonRepudiationChecks(config);
  return config;
}

/** An authorization request with PKCE, state and nonce, and the checks its response needs. */
export async function authorizationRequest(
  config: client.Configuration,
  scope = 'openid profile email offline_access',
  extra: Record<string, string> = {},
) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
    ...extra,
  });
  return { url, checks: { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true } };
}
