// The bench's own clients at its dev IdP (the demo clients of packages/dev-idp stay as they
// are): both web backends registered alike, as the Gatehouse demo is (confidential client,
// authorization code, `client_secret_basic`), so their sign-in flows can be compared.
import type { DevIdpOptions } from '@gatehouse/dev-idp';

export interface BenchClientPorts {
  /** The Gatehouse backends (one per session store): callback `/signin-oidc`. */
  gatehouse: number[];
  /** express-openid-connect: callback `/callback`. */
  eoc: number;
  /** Nobody listens there: `realTokens` only reads the code from the redirect. */
  tokens: number;
}

const origin = (port: number) => `http://localhost:${port}`;

type Client = NonNullable<DevIdpOptions['clients']>[number];

const webClient: Omit<Client, 'client_id'> = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
};

export function benchClients(ports: BenchClientPorts): Client[] {
  return [
    {
      client_id: 'gatehouse-bench',
      client_secret: 'gatehouse-bench-secret',
      ...webClient,
      redirect_uris: ports.gatehouse.map((port) => `${origin(port)}/signin-oidc`),
    },
    {
      client_id: 'eoc-bench',
      client_secret: 'eoc-bench-secret',
      ...webClient,
      redirect_uris: [`${origin(ports.eoc)}/callback`],
      post_logout_redirect_uris: [origin(ports.eoc)],
    },
    {
      client_id: 'tokens-bench',
      client_secret: 'tokens-bench-secret',
      ...webClient,
      redirect_uris: [`${origin(ports.tokens)}/cb`],
    },
    // The dev IdP's machine-to-machine client, as in its demoClients().
    {
      client_id: 'gatehouse-cli',
      client_secret: 'gatehouse-cli-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api',
    },
  ];
}
