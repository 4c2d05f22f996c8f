import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { defaults } from '../config/defaults.js';
import { ENV_NAMES, optionsFromEnv } from '../config/env.js';
import { tokenKey } from '../config/keys.js';
import { ConfigError, parseConfig, sessionSecrets, type Config } from '../config/parse.js';
import { clientCheck } from './client-secret.js';
import {
  clientConfiguration,
  consoleFor,
  redirectUriCheck,
  signOutUriCheck,
  type AuthorizationProbe,
} from './client.js';
import {
  cookieSiteCheck,
  cookiesCheck,
  issuerUrlCheck,
  misspelledVariables,
  providerKind,
  sessionSecretCheck,
} from './local.js';
import { clockCheck, discover, endpointsCheck, probe, signingKeysCheck } from './provider.js';
import { check, report, type DoctorCheck, type DoctorReport } from './report.js';
import { sessionStoreCheck } from './store.js';
import { parCheck } from './par.js';
import { SECRET_METHODS } from '../config/client-auth.js';
import { withClientKey } from '../config/client-key-file.js';
import { clientAuthentication, clientCertificate } from '../provider/client-auth.js';

/** Options of {@link doctor}. */
export interface DoctorOptions {
  /** The variables to check. Default `process.env`, over the `.env` file as `npm run serve` reads it. */
  env?: Record<string, string | undefined>;
  /** A `.env` file whose variables apply where `env` has none; `false` for none. Default `.env` in the working directory. */
  envFile?: string | false;
  /** Seconds each call to the provider may take. Default HTTP_TIMEOUT, else 5. */
  timeout?: number;
}

// Only shapes the URLs and routes for the checks; never used as a key.
const SHAPE_SECRET = 'gatehouse-doctor-shape-only-'.padEnd(40, '0');

/**
 * Checks a configuration the way the server will use it, against the real provider: the issuer
 * and its discovery document, the client id and secret, the redirect and sign-out URIs, the
 * clock, the session secret and store, and whether cookies can be `Secure`. Each check is a line
 * of the report with what was found and the fix. Nothing changes at the provider (no code is
 * redeemed, no one signs in); a SQLite store is opened, and created if missing, as the server would.
 *
 * @example
 * ```ts
 * const result = await doctor({ env: process.env })
 * if (!result.ok) console.error(formatDoctorReport(result))
 * ```
 */
export async function doctor({
  env,
  envFile = '.env',
  timeout,
}: DoctorOptions = {}): Promise<DoctorReport> {
  const variables = { ...readEnvFile(envFile), ...withoutEmpty(env ?? process.env) };
  const options = optionsFromEnv(variables);
  const production = options.production === true;
  const storeSpec =
    typeof options.sessionStore === 'string' ? options.sessionStore : defaults.sessionStore;
  const checks: DoctorCheck[] = [];

  // The URLs and routes as the server derives them, whatever is wrong with the secret or mode.
  let shape: Config | undefined;
  try {
    shape = parseConfig(
      withClientKey(
        { ...options, sessionSecret: SHAPE_SECRET, sessionStore: 'memory', production: false },
        ENV_NAMES,
      ),
      ENV_NAMES,
    );
  } catch {
    shape = undefined;
  }
  // How the server authenticates to the provider; a certificate file it cannot read stops it.
  const authentication = shape && (await clientAuthentication(shape).catch(() => undefined));
  if (!authentication) shape = undefined;
  const dev = !production && shape?.dev === true;
  checks.push(configurationCheck(variables, options, dev));

  const scopes = options.scopes || defaults.scopes;
  checks.push(issuerUrlCheck(options.issuer, scopes));

  const requests = probe(timeout ?? shape?.httpTimeout ?? defaults.httpTimeout);
  const providerChecks = [
    'discovery',
    'issuer',
    'endpoints',
    'signing-keys',
    'clock',
    'redirect-uri',
    'client',
    'sign-out-uri',
  ];
  const skipRest = (reason: string) => {
    for (const id of providerChecks) {
      if (!checks.some((item) => item.id === id))
        checks.push(check(id, TITLES[id]!, 'skip', reason));
    }
  };

  if (!shape) {
    skipRest('needs a valid configuration (see above)');
  } else {
    const discovered = await discover(shape.issuer, shape.clientId, requests, checks);
    if (!discovered) {
      skipRest('needs discovery (see above)');
    } else {
      const { metadata, skewMs } = discovered;
      checks.push(endpointsCheck(metadata));
      checks.push(
        metadata.jwks_uri
          ? await signingKeysCheck(metadata, requests)
          : check('signing-keys', TITLES['signing-keys']!, 'skip', 'no jwks_uri (see endpoints)'),
      );
      checks.push(clockCheck(skewMs, shape.clockTolerance));
      if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
        skipRest('needs the authorization and token endpoints (see endpoints)');
      } else {
        const settings = {
          clientId: shape.clientId,
          clientAuth: shape.clientAuth,
          authentication: authentication!,
          ...(shape.clientKey && {
            key: { kid: shape.clientKey.kid, generated: !hasOwnKey(options) },
          }),
          redirectUri: shape.redirectUri,
          postLogoutRedirectUri: shape.postLogoutRedirectUri,
          scopes: shape.scopes,
          console: consoleFor(providerKind(shape.issuer)),
        };
        const configuration = clientConfiguration(
          metadata,
          settings,
          requests,
          shape.issuer.protocol === 'http:',
        );
        const learned: AuthorizationProbe = {};
        checks.push(await redirectUriCheck(configuration, settings, requests, learned));
        checks.push(await clientCheck(configuration, settings, requests, learned));
        checks.push(await signOutUriCheck(configuration, settings, requests));
        if (shape.par === 'on') checks.push(await parCheck(configuration, shape));
      }
    }
  }

  const secrets = sessionSecrets(options.sessionSecret);
  checks.push(sessionSecretCheck(secrets, dev));
  checks.push(
    await sessionStoreCheck(storeSpec, production, requests.timeout, secrets.map(tokenKey)),
  );
  const backendUrl = URL.parse(options.backendUrl);
  const frontendUrl = URL.parse(options.frontendUrl);
  if (backendUrl) checks.push(cookiesCheck(backendUrl));
  else
    checks.push(
      check(
        'cookies',
        TITLES.cookies!,
        'skip',
        `needs ${ENV_NAMES.backendUrl} (see configuration)`,
      ),
    );
  if (backendUrl && frontendUrl) checks.push(cookieSiteCheck(frontendUrl, backendUrl));
  else
    checks.push(
      check(
        'cookie-site',
        TITLES['cookie-site']!,
        'skip',
        `needs ${ENV_NAMES.frontendUrl} and ${ENV_NAMES.backendUrl}`,
      ),
    );
  return report(checks);
}

const TITLES: Record<string, string> = {
  discovery: 'discovery',
  issuer: 'issuer',
  endpoints: 'endpoints',
  'signing-keys': 'signing keys',
  clock: 'clock',
  'redirect-uri': 'redirect URI',
  client: 'client id and secret',
  'sign-out-uri': 'sign-out URI',
  cookies: 'cookies',
  'cookie-site': 'front end and backend',
};

/** Would `npm run serve` start? Its own validation, without its development side effects. */
function configurationCheck(
  variables: Record<string, string | undefined>,
  options: ReturnType<typeof optionsFromEnv>,
  dev: boolean,
): DoctorCheck {
  const title = 'configuration';
  const secretMethod = SECRET_METHODS.some(
    (method) => method === (options.clientAuth ?? 'client_secret_basic'),
  );
  const missing = (['issuer', 'clientId', 'clientSecret', 'backendUrl', 'frontendUrl'] as const)
    .filter((key) => key !== 'clientSecret' || secretMethod)
    .filter((key) => !options[key]?.trim())
    .map((key) => ENV_NAMES[key]);
  if (missing.length) {
    return check(
      title,
      title,
      'error',
      `not set: ${missing.join(', ')}`,
      'set them in the environment or in .env (see docs/configuration.md)',
    );
  }
  try {
    // In development the server generates a secret when none is set; the doctor does not.
    const parsed = parseConfig(
      withClientKey(
        {
          ...options,
          sessionSecret: options.sessionSecret ?? (dev ? SHAPE_SECRET : undefined),
          sessionStore: 'memory',
        },
        ENV_NAMES,
      ),
      ENV_NAMES,
    );
    clientCertificate(parsed);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return check(title, title, 'error', `npm run serve would stop: ${error.message}`);
  }
  const unknown = misspelledVariables(variables);
  if (unknown.length) {
    return check(
      title,
      title,
      'warn',
      `valid, but these variables are not read: ${unknown.join(', ')}`,
      'rename them',
    );
  }
  return check(title, title, 'ok', `valid${dev ? ' (local development: loopback issuer)' : ''}`);
}

/** Whether the private_key_jwt key is the user's (not generated for this process). */
function hasOwnKey(options: ReturnType<typeof optionsFromEnv>): boolean {
  return options.clientPrivateKey !== undefined || !!options.clientPrivateKeyFile?.trim();
}

function readEnvFile(file: string | false): Record<string, string> {
  if (!file) return {};
  const path = resolve(file);
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]),
  );
}
