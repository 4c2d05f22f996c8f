import { defaults } from '../config/defaults.js';
import { ENV_NAMES, optionsFromEnv } from '../config/env.js';
import { nextTokenKey, tokenKey } from '../config/keys.js';
import { ConfigError, parseConfig, sessionSecrets, type Config } from '../config/parse.js';
import { providerSection } from './provider-section.js';
import { providerConfig } from '../provider/providers.js';
import {
  cookieSiteCheck,
  cookiesCheck,
  demoValuesCheck,
  issuerUrlCheck,
  misspelledVariables,
  sessionSecretCheck,
} from './local.js';
import { describeSources, nextEnvFiles, readEnvFiles } from './env-files.js';
import { probe } from './provider.js';
import { check, report, type DoctorCheck, type DoctorReport } from './report.js';
import { sessionStoreCheck } from './store.js';
import { SECRET_METHODS } from '../config/client-auth.js';
import { withClientKey } from '../config/client-key-file.js';
import { clientAuthentication, clientCertificate } from '../provider/client-auth.js';

/** Options of {@link doctor}. */
export interface DoctorOptions {
  /** The variables to check. Default `process.env`, over the env files (`envFile`). */
  env?: Record<string, string | undefined>;
  /**
   * Env files whose variables apply where `env` has none: a path, or several (a later file wins,
   * as with `node --env-file`); `false` for none. Default: the files Next.js reads, those that
   * exist in the working directory, in its order: `.env.$NODE_ENV.local`, `.env.local` (not when
   * NODE_ENV=test), `.env.$NODE_ENV`, `.env` (the one `npm run serve` reads).
   */
  envFile?: string | readonly string[] | false;
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
export async function doctor({ env, envFile, timeout }: DoctorOptions = {}): Promise<DoctorReport> {
  const given = withoutEmpty(env ?? process.env);
  const files = readEnvFiles(
    envFile === false
      ? []
      : envFile === undefined
        ? nextEnvFiles(given.NODE_ENV)
        : [envFile].flat().reverse(),
  );
  const variables = { ...files.variables, ...given };
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
  checks.push(configurationCheck(variables, options, dev, files.read));

  const scopes = options.scopes || defaults.scopes;
  checks.push(issuerUrlCheck(options.issuer ?? options.providers?.[0]?.issuer, scopes));
  const demo = demoValuesCheck(
    {
      issuer: options.issuer,
      clientSecret: usesSecret(options) ? options.clientSecret : undefined,
    },
    production,
  );
  if (demo) checks.push(demo);

  const requests = probe(timeout ?? shape?.httpTimeout ?? defaults.httpTimeout, shape?.issuer);
  if (!shape || shape.providers.length === 1) {
    checks.push(...(await providerSection(shape, authentication, hasOwnKey(options), requests)));
  } else {
    // Several providers: every one checked, each section named by its id (docs/tenants.md).
    for (const provider of shape.providers) {
      const view = providerConfig(shape, provider);
      const own = probe(requests.timeout, view.issuer);
      const auth = await clientAuthentication(view).catch(() => undefined);
      // A key of its own in PROVIDERS, or the shared one when it is the user's.
      const ownKey = view.clientKey === shape.clientKey ? hasOwnKey(options) : !!view.clientKey;
      const section = await providerSection(auth && view, auth, ownKey, own);
      checks.push(
        ...section.map((item) => ({
          ...item,
          id: `${provider.id}:${item.id}`,
          title: `${provider.id}: ${item.title}`,
        })),
      );
    }
  }

  const secrets = sessionSecrets(options.sessionSecret);
  checks.push(sessionSecretCheck(secrets, dev));
  // Every key an instance opens sessions with: SESSION_SECRET's, and SESSION_SECRET_NEXT's.
  const keys = [
    ...secrets.map((secret) => tokenKey(secret)),
    ...sessionSecrets(options.sessionSecretNext).map((secret) => nextTokenKey(secret)),
  ];
  checks.push(await sessionStoreCheck(storeSpec, production, requests.timeout, keys));
  const backendUrl = URL.parse(options.backendUrl);
  // The default front end (the first of a list); docs/front-ends.md.
  const frontendUrl = URL.parse(options.frontendUrl.split(',')[0]!.trim());
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
  return { ...report(checks), envFiles: files.read };
}

const TITLES: Record<string, string> = {
  cookies: 'cookies',
  'cookie-site': 'front end and backend',
};

/** Would `npm run serve` start? Its own validation, without its development side effects. */
function configurationCheck(
  variables: Record<string, string | undefined>,
  options: ReturnType<typeof optionsFromEnv>,
  dev: boolean,
  envFiles: readonly string[],
): DoctorCheck {
  const title = 'configuration';
  // With PROVIDERS, the single provider's settings may be left out (docs/tenants.md).
  const single = !options.providers?.length;
  const missing = (['issuer', 'clientId', 'clientSecret', 'backendUrl', 'frontendUrl'] as const)
    .filter((key) => single || !['issuer', 'clientId', 'clientSecret'].includes(key))
    .filter((key) => key !== 'clientSecret' || usesSecret(options))
    .filter((key) => !options[key]?.trim())
    .map((key) => ENV_NAMES[key]);
  if (missing.length) {
    return check(
      title,
      title,
      'error',
      `not set: ${missing.join(', ')}; variables from ${describeSources(envFiles)}`,
      `set them in the environment or in an env file here (.env.local or .env), or name the file that has them: gatehouse doctor --env-file <path> (see docs/configuration.md)`,
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

/** Whether the client authenticates with OKTA_CLIENT_SECRET (a secret method of CLIENT_AUTH). */
function usesSecret(options: ReturnType<typeof optionsFromEnv>): boolean {
  return SECRET_METHODS.some((method) => method === (options.clientAuth ?? 'client_secret_basic'));
}

/** Whether the private_key_jwt key is the user's (not generated for this process). */
function hasOwnKey(options: ReturnType<typeof optionsFromEnv>): boolean {
  return options.clientPrivateKey !== undefined || !!options.clientPrivateKeyFile?.trim();
}

function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]),
  );
}
