import * as client from 'openid-client';
import { ENV_NAMES } from '../config/env.js';
import type { AuthorizationProbe, ClientSettings } from './client.js';
import { networkFailure, type Probe } from './provider.js';
import { oauthWords } from './reach.js';
import { check, type DoctorCheck } from './report.js';

/**
 * A token request with a code that cannot exist, authenticated with the configured method:
 * `invalid_grant` means the client id and its secret, key or certificate were accepted (the
 * code was what failed), `invalid_client` means they were not. First, the provider must offer
 * the method at all (`token_endpoint_auth_methods_supported`).
 */
export async function clientCheck(
  configuration: client.Configuration,
  settings: ClientSettings,
  probe: Probe,
  learned: AuthorizationProbe,
): Promise<DoctorCheck> {
  const credential = CREDENTIALS[settings.clientAuth];
  const title = `client id and ${credential.noun}`;
  const id = ENV_NAMES.clientId;
  const secret = credential.setting;
  const offered = configuration.serverMetadata().token_endpoint_auth_methods_supported;
  // RFC 8414 2: when the list is absent, client_secret_basic is the only method.
  if (!(offered ?? ['client_secret_basic']).includes(settings.clientAuth)) {
    return check(
      'client',
      title,
      'error',
      `${ENV_NAMES.clientAuth}=${settings.clientAuth}, but the provider offers only ${(offered ?? ['client_secret_basic']).join(', ')}`,
      `choose one of those for ${ENV_NAMES.clientAuth}, or enable ${settings.clientAuth} for the client (${settings.console.credentials})`,
    );
  }
  if (settings.key?.generated) {
    return check(
      'client',
      title,
      'warn',
      `cannot tell: ${ENV_NAMES.clientPrivateKey} is not set, so the server signs with a key generated when it starts, which the doctor does not have`,
      `set ${ENV_NAMES.clientPrivateKey} (or ${ENV_NAMES.clientPrivateKeyFile}) to check the key`,
    );
  }
  try {
    await client.genericGrantRequest(configuration, 'authorization_code', {
      code: 'gatehouse-doctor-probe',
      redirect_uri: settings.redirectUri,
      code_verifier: client.randomPKCECodeVerifier(),
    });
    return check(
      'client',
      title,
      'warn',
      'the token endpoint accepted a made-up code: it does not check codes as it should',
    );
  } catch (error) {
    const { status, error: code, description } = await oauthError(error);
    // The token endpoint's words, repeated only when it is on the issuer's origin.
    const said = oauthWords(
      code,
      description,
      configuration.serverMetadata().token_endpoint!,
      probe.issuer,
    );
    if (code === 'invalid_grant') {
      return check(
        'client',
        title,
        'ok',
        `${id}=${settings.clientId} and its ${credential.noun}${settings.key ? ` (kid ${settings.key.kid})` : ''} are accepted (the token endpoint refused only the doctor's made-up code)`,
      );
    }
    if (code === 'invalid_client' || status === 401) {
      if (learned.unknownClient) {
        return check(
          'client',
          title,
          'error',
          `the provider does not know ${id}=${settings.clientId}${learned.unknownClient}`,
          `copy the Client ID from ${settings.console.credentials}`,
        );
      }
      return check(
        'client',
        title,
        'error',
        `the provider refused ${secret} for ${id}=${settings.clientId} (${said ?? status})`,
        credential.fix(settings),
      );
    }
    if (code === 'unauthorized_client' || code === 'unsupported_grant_type') {
      return check(
        'client',
        title,
        'error',
        `${id}=${settings.clientId} may not use the authorization code grant (${said})`,
        `enable the Authorization Code and Refresh Token grant types (${settings.console.credentials})`,
      );
    }
    if (status === undefined) {
      return check(
        'client',
        title,
        'error',
        `the token endpoint did not answer: ${networkFailure(error, probe.timeout)}`,
      );
    }
    return check(
      'client',
      title,
      'warn',
      `cannot tell: the token endpoint answered ${status}${said ? ` (${said})` : ''}`,
    );
  }
}

/** What each method proves itself with, the setting that holds it, and the fix when refused. */
const CREDENTIALS: Record<
  ClientSettings['clientAuth'],
  { noun: string; setting: string; fix: (settings: ClientSettings) => string }
> = {
  client_secret_basic: {
    noun: 'secret',
    setting: ENV_NAMES.clientSecret,
    fix: (settings) =>
      `copy the client secret again from ${settings.console.credentials}; Gatehouse sends it with HTTP Basic (client_secret_basic)`,
  },
  client_secret_post: {
    noun: 'secret',
    setting: ENV_NAMES.clientSecret,
    fix: (settings) =>
      `copy the client secret again from ${settings.console.credentials}; Gatehouse sends it in the form (client_secret_post)`,
  },
  private_key_jwt: {
    noun: 'key',
    setting: ENV_NAMES.clientPrivateKey,
    fix: (settings) =>
      `register the public key at the provider (${settings.console.credentials}): the JWKS URL ${ENV_NAMES.backendUrl} + /.well-known/jwks.json, reachable by the provider, or the key pasted as a JWK with kid ${settings.key?.kid}`,
  },
  tls_client_auth: {
    noun: 'certificate',
    setting: ENV_NAMES.clientCertificateFile,
    fix: (settings) =>
      `register the certificate's subject for the client (${settings.console.credentials}), and check that the provider trusts its issuer`,
  },
};

/** The OAuth error of a failed token request, wherever openid-client put it. */
async function oauthError(
  error: unknown,
): Promise<{ status?: number; error?: string; description?: string }> {
  if (error instanceof client.ResponseBodyError) {
    return { status: error.status, error: error.error, description: error.error_description };
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    const parameters = error.cause.find((challenge) => challenge.parameters.error)?.parameters;
    let body: { error?: string; error_description?: string } = {};
    if (!error.response.bodyUsed)
      body = (await error.response.json().catch(() => ({}))) as typeof body;
    return {
      status: error.status,
      error: parameters?.error ?? body.error,
      description: parameters?.error_description ?? body.error_description,
    };
  }
  const response = (error as { cause?: unknown })?.cause;
  if (response instanceof Response) return { status: response.status };
  return {};
}
