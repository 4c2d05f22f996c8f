import * as client from 'openid-client';
import { ENV_NAMES } from '../config/env.js';
import type { Config } from '../config/parse.js';
import { oauthWords } from './reach.js';
import { check, type DoctorCheck } from './report.js';

/**
 * PAR=on: the provider must advertise a `pushed_authorization_request_endpoint`, and accept a
 * pushed request as the server sends it (client authentication, redirect URI, scopes, PKCE).
 * The pushed request is only stored by the provider until it expires; nobody signs in.
 */
export async function parCheck(
  configuration: client.Configuration,
  config: Pick<Config, 'redirectUri' | 'scopes' | 'issuer'>,
): Promise<DoctorCheck> {
  const title = 'pushed authorization requests';
  const name = ENV_NAMES.par;
  const endpoint = configuration.serverMetadata().pushed_authorization_request_endpoint;
  if (!endpoint) {
    return check(
      'par',
      title,
      'error',
      `${name}=on, but discovery advertises no pushed_authorization_request_endpoint: every sign-in would fail`,
      `turn PAR on at the provider, or set ${name}=auto`,
    );
  }
  try {
    await client.buildAuthorizationUrlWithPAR(configuration, {
      redirect_uri: config.redirectUri,
      scope: config.scopes,
      state: client.randomState(),
      nonce: client.randomNonce(),
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    return check('par', title, 'ok', 'the provider accepted a pushed authorization request');
  } catch (error) {
    const refusal = error as { error?: string; error_description?: string; message?: string };
    // The endpoint's words only from the issuer's origin; openid-client's own message otherwise.
    const said = refusal.error
      ? oauthWords(refusal.error, refusal.error_description, endpoint, config.issuer)
      : (refusal.message ?? String(error));
    return check(
      'par',
      title,
      'error',
      `the provider refused a pushed authorization request (${said})`,
      'see the client, redirect URI and scope checks above',
    );
  }
}
