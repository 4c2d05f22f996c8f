/**
 * `npm run -s token`: an access token from the provider by client credentials, printed alone
 * on stdout, for calling the API by hand:
 *
 *   curl -H "Authorization: Bearer $(npm run -s token)" http://localhost:7156/secure-data
 *
 * `npm run -s token -- --dpop`: a DPoP-bound token (RFC 9449, docs/dpop.md) and a ready curl
 * command for `GET <BACKEND_URL>/secure-data` with its proof (`--url` for another URL). A proof
 * is good for one request, within a minute: run it again for the next call.
 *
 * Defaults fit the dev IdP (`npm start`): issuer http://localhost:7157/oauth2/default, client
 * `gatehouse-cli` / `gatehouse-cli-secret`, scope `api`. For Okta, set OKTA_ISSUER_URL and a
 * machine-to-machine app's TOKEN_CLIENT_ID and TOKEN_CLIENT_SECRET (and TOKEN_SCOPE).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as client from 'openid-client';

if (existsSync('.env')) process.loadEnvFile('.env');
const env = process.env;
const issuer = new URL(env.OKTA_ISSUER_URL || 'http://localhost:7157/oauth2/default');
const clientId = env.TOKEN_CLIENT_ID || 'gatehouse-cli';
const clientSecret = env.TOKEN_CLIENT_SECRET || 'gatehouse-cli-secret';
const scope = env.TOKEN_SCOPE || 'api';

try {
  const { values } = parseArgs({
    options: { dpop: { type: 'boolean' }, url: { type: 'string' } },
  });
  const configuration = await client.discovery(issuer, clientId, clientSecret, undefined, {
    // Plain http only for a provider on this machine, as the backend allows.
    execute:
      issuer.protocol === 'http:' && isLoopback(issuer) ? [client.allowInsecureRequests] : [],
    timeout: 5,
  });
  if (values.dpop) {
    const backend = (env.BACKEND_URL || 'http://localhost:7156').replace(/\/$/, '');
    process.stdout.write(
      await dpopCall(configuration, new URL(values.url ?? `${backend}/secure-data`)),
    );
  } else {
    const tokens = await client.clientCredentialsGrant(configuration, { scope });
    process.stdout.write(`${tokens.access_token}\n`);
  }
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

/**
 * A DPoP-bound token for a fresh key pair, and a curl command for `GET url` with its proof.
 * openid-client makes the proof: its request is captured here instead of being sent.
 */
async function dpopCall(configuration: client.Configuration, url: URL): Promise<string> {
  const DPoP = client.getDPoPHandle(configuration, await client.randomDPoPKeyPair('ES256'));
  const tokens = await client.clientCredentialsGrant(configuration, { scope }, { DPoP });
  if (tokens.token_type.toLowerCase() !== 'dpop') {
    throw new Error(`the provider issued a ${tokens.token_type} token, not a DPoP-bound one`);
  }
  let proof: string | null = null;
  configuration[client.customFetch] = async (_url, init) => {
    proof = new Headers(init.headers).get('dpop');
    return new Response(null, { status: 204 });
  };
  await client.fetchProtectedResource(
    configuration,
    tokens.access_token,
    url,
    'GET',
    null,
    undefined,
    {
      DPoP,
    },
  );
  if (proof === null) throw new Error('openid-client made no DPoP proof');
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  return [
    `# A DPoP-bound access token of ${clientId} (key thumbprint ${await DPoP.calculateThumbprint()})`,
    `# and its proof for GET ${url.href}: the proof can be used once, within a minute.`,
    `curl -H ${quote(`Authorization: DPoP ${tokens.access_token}`)} -H ${quote(`DPoP: ${proof}`)} ${quote(url.href)}`,
    '',
  ].join('\n');
}

function isLoopback(url: URL): boolean {
  return /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
}
