import { parseArgs } from 'node:util';
import { demoClients, withGeneratedSecrets } from './clients.js';
import { DevIdpConfigError, readDevIdpConfig, type DevIdpConfig } from './config-file.js';
import { DevIdpUnsafeError, exposureReasons, UNSAFE_ALLOW_REMOTE_ENV } from './exposure.js';
import { defaultKeysFile } from './keys.js';
import { startDevIdp } from './server.js';

const USAGE = `Usage: gatehouse-dev-idp [--port 7157] [--config dev-idp.json] [--backend-url URL] [--frontend-url URL]
  (in this repository: npm start -w packages/dev-idp -- [options])
  --port          port to listen on (default 7157)
  --config        a JSON file with the users and clients to serve, { "users": [...], "clients": [...] }
                  (either may be left out: the demo's are served then)
  --backend-url   the Gatehouse backend, for redirect and logout URIs (env BACKEND_URL, default http://localhost:7156)
  --frontend-url  the React app, for post-logout redirects (env FRONTEND_URL, default http://localhost:5173)
  --keys-file     the signing keys (default .gatehouse/dev-idp-keys.json where npm or the command runs)
  --host          address to listen on (default localhost)
  --unsafe-allow-remote
                  start with NODE_ENV=production or a --host that is not loopback (env
                  ${UNSAFE_ALLOW_REMOTE_ENV}=1): anyone who reaches it can try its users;
                  the demo's published passwords and secrets are replaced by generated ones`;

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
        config: { type: 'string' },
        'backend-url': { type: 'string' },
        'frontend-url': { type: 'string' },
        'keys-file': { type: 'string' },
        host: { type: 'string' },
        'unsafe-allow-remote': { type: 'boolean' },
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
  const rawUnsafe = process.env[UNSAFE_ALLOW_REMOTE_ENV] ?? '';
  const unsafeEnv = rawUnsafe.trim().toLowerCase();
  if (!['', '0', 'false', '1', 'true'].includes(unsafeEnv)) {
    fail(`${UNSAFE_ALLOW_REMOTE_ENV} must be 1 or true (or 0, false), got ${rawUnsafe}`);
  }
  let config: DevIdpConfig = {};
  try {
    if (values.config !== undefined) config = readDevIdpConfig(values.config);
  } catch (error) {
    fail(`--config ${(error as Error).message}`);
  }
  return {
    config,
    port,
    host: values.host ?? 'localhost',
    unsafeAllowRemote: values['unsafe-allow-remote'] === true || ['1', 'true'].includes(unsafeEnv),
    // npm runs a workspace's script in the workspace: INIT_CWD is where the user typed it.
    keysFile: values['keys-file'] ?? defaultKeysFile(process.env.INIT_CWD || process.cwd()),
    backendUrl: values['backend-url'] ?? process.env.BACKEND_URL,
    frontendUrl: values['frontend-url'] ?? process.env.FRONTEND_URL,
  };
}

const { backendUrl, frontendUrl, config, ...listen } = readOptions();
const demo = demoClients({
  ...(backendUrl ? { backendUrl } : {}),
  ...(frontendUrl ? { frontendUrl } : {}),
});
// The demo's published values on a laptop (`npm start` needs no configuration); generated ones
// when it was told to serve others.
const exposed = exposureReasons(listen.host, process.env.NODE_ENV).length > 0;

/** One banner line per client: its secret, or how it authenticates. */
function describeClient(client: (typeof demo)[number]): string {
  if (client.client_secret) return `${client.client_id} / ${client.client_secret}`;
  const extras = [
    client.token_endpoint_auth_method ?? 'client_secret_basic',
    client.jwks_uri ? `keys at ${client.jwks_uri}` : '',
    client.require_pushed_authorization_requests ? 'PAR required' : '',
    client.dpop_bound_access_tokens ? 'DPoP-bound tokens' : '',
  ].filter(Boolean);
  return `${client.client_id} (${extras.join(', ')})`;
}

const idp = await startDevIdp({
  ...listen,
  // A config file's users and clients are served as written; the demo's otherwise.
  clients: config.clients ?? (exposed ? withGeneratedSecrets(demo) : demo),
  ...(config.users && { users: config.users }),
  fixedDemoCredentials: !exposed,
  quiet: true,
  par: true,
  // The demo's second tenant (docs/tenants.md): `npm start` signs @acme.example users in there.
  tenants: [{ id: 'acme' }],
}).catch((error: unknown) => {
  if (error instanceof DevIdpUnsafeError || error instanceof DevIdpConfigError) fail(error.message);
  throw error;
});

console.log(`Gatehouse Dev IdP (local development only)
  issuer     ${idp.issuer}
  discovery  ${idp.issuer}/.well-known/openid-configuration
  clients    ${idp.clients.map(describeClient).join('\n             ')}
  users      ${idp.users.map((u) => `${u.email} / ${u.password}`).join(', ')}${idp.tenants
    .map(
      (t) => `
  tenant     ${t.id}: ${t.issuer}
  users      ${t.users.map((u) => `${u.email} / ${u.password}`).join(', ')}`,
    )
    .join('')}`);

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
