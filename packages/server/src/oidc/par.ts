import * as client from 'openid-client';
import type { Config } from '../config/parse.js';
import { ParUnavailableError } from '../errors.js';
import { callProvider } from '../provider/provider-errors.js';

/**
 * Whether a sign-in pushes its parameters first (RFC 9126): `on` always (a provider without the
 * endpoint is a setup error, 502), `off` never, `auto` when discovery advertises the endpoint
 * or says the provider requires it.
 */
export function usesPar(config: Pick<Config, 'par'>, metadata: client.ServerMetadata): boolean {
  const endpoint = metadata.pushed_authorization_request_endpoint;
  if (config.par === 'off') return false;
  if (config.par === 'on' && !endpoint) {
    throw new ParUnavailableError(
      'The identity provider does not offer pushed authorization requests, which this application requires (PAR=on).',
      'PAR=on but discovery has no pushed_authorization_request_endpoint',
    );
  }
  return Boolean(endpoint) || metadata.require_pushed_authorization_requests === true;
}

/**
 * The URL the browser is sent to. With PAR, the parameters go to the provider's PAR endpoint
 * over the configured client authentication, and the browser's URL carries only `client_id`
 * and `request_uri`: nothing of the request can be read or changed on the way. A refusal (a bad
 * parameter, a client not allowed) becomes the provider-error translation's 4xx/502.
 */
export async function authorizationRedirect(
  configuration: client.Configuration,
  config: Pick<Config, 'par'>,
  draft: URL,
): Promise<URL> {
  if (!usesPar(config, configuration.serverMetadata())) return draft;
  return callProvider('pushed authorization request', () =>
    client.buildAuthorizationUrlWithPAR(configuration, draft.searchParams),
  );
}
