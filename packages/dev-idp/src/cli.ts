import { parseArgs } from 'node:util';
import { demoClients } from './clients.js';
import { startDevIdp } from './server.js';
import { defaultUsers } from './users.js';

const USAGE = `Usage: gatehouse-dev-idp [--port 7157] [--backend-url URL] [--frontend-url URL]
  (in this repository: npm start -w packages/dev-idp -- [options])
  --port          port to listen on (default 7157)
  --backend-url   the Gatehouse backend, for redirect and logout URIs (env BACKEND_URL, default http://localhost:7156)
  --frontend-url  the React app, for post-logout redirects (env FRONTEND_URL, default http://localhost:5173)`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'backend-url': { type: 'string' },
        'frontend-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = Number(values.port ?? 7157);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`--port must be an integer from 0 to 65535, got ${values.port}`);
  }
  const urls: Record<string, string | undefined> = {
    '--backend-url (or BACKEND_URL)': values['backend-url'] ?? process.env.BACKEND_URL,
    '--frontend-url (or FRONTEND_URL)': values['frontend-url'] ?? process.env.FRONTEND_URL,
  };
  for (const [name, value] of Object.entries(urls)) {
    if (value !== undefined && !URL.canParse(value)) fail(`${name} must be a URL, got ${value}`);
  }
  return {
    port,
    backendUrl: values['backend-url'] ?? process.env.BACKEND_URL,
    frontendUrl: values['frontend-url'] ?? process.env.FRONTEND_URL,
  };
}

const { port, backendUrl, frontendUrl } = readOptions();
const clients = demoClients({
  ...(backendUrl ? { backendUrl } : {}),
  ...(frontendUrl ? { frontendUrl } : {}),
});
/** One banner line per client: its secret, or how it authenticates. */
function describeClient(client: (typeof clients)[number]): string {
  if (client.client_secret) return `${client.client_id} / ${client.client_secret}`;
  const extras = [
    client.require_pushed_authorization_requests ? 'PAR required' : '',
    client.dpop_bound_access_tokens ? 'DPoP-bound tokens' : '',
  ].filter(Boolean);
  return `${client.client_id} (${client.token_endpoint_auth_method}, keys at ${client.jwks_uri}${extras.map((e) => `, ${e}`).join('')})`;
}

const idp = await startDevIdp({ port, clients, quiet: true, par: true });

console.log(`Gatehouse Dev IdP (local development only)
  issuer     ${idp.issuer}
  discovery  ${idp.issuer}/.well-known/openid-configuration
  clients    ${clients.map(describeClient).join('\n             ')}
  users      ${defaultUsers()
    .map((u) => `${u.email} / ${u.password}`)
    .join(', ')}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    idp.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[dev-idp] could not stop cleanly:', error);
        process.exit(1);
      },
    );
  });
}
