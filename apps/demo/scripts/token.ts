/**
 * `npm run -s token`: an access token from the provider by client credentials, printed alone
 * on stdout, for calling the API by hand:
 *
 *   curl -H "Authorization: Bearer $(npm run -s token)" http://localhost:7156/secure-data
 *
 * Defaults fit the dev IdP (`npm start`): issuer http://localhost:7157/oauth2/default, client
 * `gatehouse-cli` / `gatehouse-cli-secret`, scope `api`. For Okta, set OKTA_ISSUER_URL and a
 * machine-to-machine app's TOKEN_CLIENT_ID and TOKEN_CLIENT_SECRET (and TOKEN_SCOPE).
 */
import { existsSync } from 'node:fs';
import * as client from 'openid-client';

if (existsSync('.env')) process.loadEnvFile('.env');
const env = process.env;
const issuer = new URL(env.OKTA_ISSUER_URL || 'http://localhost:7157/oauth2/default');
const clientId = env.TOKEN_CLIENT_ID || 'gatehouse-cli';
const clientSecret = env.TOKEN_CLIENT_SECRET || 'gatehouse-cli-secret';
const scope = env.TOKEN_SCOPE || 'api';

try {
  const configuration = await client.discovery(issuer, clientId, clientSecret, undefined, {
    // Plain http only for a provider on this machine, as the backend allows.
    execute:
      issuer.protocol === 'http:' && isLoopback(issuer) ? [client.allowInsecureRequests] : [],
    timeout: 5,
  });
  const tokens = await client.clientCredentialsGrant(configuration, { scope });
  process.stdout.write(`${tokens.access_token}\n`);
} catch (error) {
  const { message, cause } = error as Error;
  console.error(
    `Could not get a token from ${issuer.href} as ${clientId}: ${message}${cause ? ` (${cause})` : ''}`,
  );
  console.error(
    'Is the dev IdP running (npm start), or are OKTA_ISSUER_URL and TOKEN_CLIENT_ID/SECRET set?',
  );
  process.exitCode = 1;
}

function isLoopback(url: URL): boolean {
  return /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
}
