import * as client from 'openid-client';
import { ENV_NAMES } from '../config/env.js';
import type { AuthorizationProbe, ClientSettings } from './client.js';
import { networkFailure, type Probe } from './provider.js';
import { check, type DoctorCheck } from './report.js';

/**
 * A token request with a code that cannot exist: `invalid_grant` means the client id and secret
 * were accepted (the code was what failed), `invalid_client` means they were not.
 */
export async function clientCheck(
  configuration: client.Configuration,
  settings: ClientSettings,
  probe: Probe,
  learned: AuthorizationProbe,
): Promise<DoctorCheck> {
  const title = 'client id and secret';
  const id = ENV_NAMES.clientId;
  const secret = ENV_NAMES.clientSecret;
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
    if (code === 'invalid_grant') {
      return check(
        'client',
        title,
        'ok',
        `${id}=${settings.clientId} and its secret are accepted (the token endpoint refused only the doctor's made-up code)`,
      );
    }
    if (code === 'invalid_client' || status === 401) {
      if (learned.unknownClient) {
        return check(
          'client',
          title,
          'error',
          `the provider does not know ${id}=${settings.clientId}: "${learned.unknownClient}"`,
          `copy the Client ID from ${settings.console.credentials}`,
        );
      }
      return check(
        'client',
        title,
        'error',
        `the provider refused ${secret} for ${id}=${settings.clientId} (${code ?? status}${description ? `: ${description}` : ''})`,
        `copy the client secret again from ${settings.console.credentials}; Gatehouse sends it with HTTP Basic (client_secret_basic)`,
      );
    }
    if (code === 'unauthorized_client' || code === 'unsupported_grant_type') {
      return check(
        'client',
        title,
        'error',
        `${id}=${settings.clientId} may not use the authorization code grant (${code}${description ? `: ${description}` : ''})`,
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
      `cannot tell: the token endpoint answered ${status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}`,
    );
  }
}

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
