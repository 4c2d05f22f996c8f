import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';

/**
 * Where the demo app runs; the demo clients' redirect and logout URIs are built from it.
 *
 * @example
 * ```ts
 * const urls: DemoClientUrls = { backendUrl: 'http://localhost:7156', frontendUrl: 'http://localhost:5173' };
 * ```
 */
export interface DemoClientUrls {
  /** The Gatehouse backend (BFF). Default `http://localhost:7156`. */
  backendUrl?: string;
  /** The React front end. Default `http://localhost:5173`. */
  frontendUrl?: string;
}

/**
 * The demo's clients, as an Okta admin would register them, with their published secrets
 * (for the loopback demo and tests; `startDevIdp` uses them by default only with
 * `fixedDemoCredentials`, else {@link withGeneratedSecrets} of them):
 * - `gatehouse-demo` / `gatehouse-demo-secret`: the BFF, a confidential web client
 *   (authorization code + refresh token, `client_secret_basic` or `client_secret_post`),
 *   redirect URI `<backendUrl>/signin-oidc`, back-channel logout to
 *   `<backendUrl>/backchannel-logout`.
 * - `gatehouse-demo-bound`: the same BFF with the stronger settings of
 *   docs/client-authentication.md: `private_key_jwt` with the keys Gatehouse publishes at
 *   `<backendUrl>/.well-known/jwks.json`, pushed authorization requests required (RFC 9126),
 *   DPoP-bound access tokens (RFC 9449).
 * - `gatehouse-cli` / `gatehouse-cli-secret`: a machine-to-machine client (client
 *   credentials, scope `api`).
 *
 * @example
 * ```ts
 * await startDevIdp({ port: 0, clients: demoClients({ backendUrl: 'http://localhost:4010' }) });
 * ```
 */
export function demoClients({
  backendUrl = 'http://localhost:7156',
  frontendUrl = 'http://localhost:5173',
}: DemoClientUrls = {}): ClientMetadata[] {
  const backend = backendUrl.replace(/\/+$/, '');
  const frontend = frontendUrl.replace(/\/+$/, '');
  const webApp: Omit<ClientMetadata, 'client_id'> = {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${backend}/signin-oidc`],
    post_logout_redirect_uris: [...new Set([frontend, backend])],
    backchannel_logout_uri: `${backend}/backchannel-logout`,
    backchannel_logout_session_required: true,
  };
  return [
    {
      client_id: 'gatehouse-demo',
      client_secret: 'gatehouse-demo-secret',
      client_name: 'Gatehouse demo',
      token_endpoint_auth_method: 'client_secret_basic',
      ...webApp,
    },
    {
      client_id: 'gatehouse-demo-bound',
      client_name: 'Gatehouse demo (private_key_jwt, PAR, DPoP)',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: `${backend}/.well-known/jwks.json`,
      require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true,
      ...webApp,
    },
    {
      client_id: 'gatehouse-cli',
      client_secret: 'gatehouse-cli-secret',
      client_name: 'Gatehouse CLI',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api',
    },
  ];
}

/**
 * The same clients, each secret replaced by a new random one: what `startDevIdp` uses when it
 * is given no `clients` and no `fixedDemoCredentials`. Clients without a secret are unchanged.
 *
 * @example
 * ```ts
 * const clients = withGeneratedSecrets(demoClients({ backendUrl }));
 * const idp = await startDevIdp({ clients, unsafeAllowRemote: true, host: '0.0.0.0' });
 * ```
 */
export function withGeneratedSecrets(clients: readonly ClientMetadata[]): ClientMetadata[] {
  return clients.map((client) =>
    client.client_secret === undefined
      ? { ...client }
      : { ...client, client_secret: randomBytes(24).toString('base64url') },
  );
}
