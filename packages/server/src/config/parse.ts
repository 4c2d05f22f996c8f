import { defaults } from './defaults.js';
import type { GatehouseOptions, RoutePaths } from './options.js';
import type { SessionStore } from '../session/store.js';
import { devSessionSecret } from './dev-secret.js';
import { deriveKey, tokenKey, type TokenKey } from './keys.js';

/** A mistake in the configuration, thrown at startup and naming the option or variable. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
}

/** The validated, frozen configuration that every part of Gatehouse reads. */
export interface Config {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly backendUrl: URL;
  readonly frontendUrl: URL;
  /** `FRONTEND_URL`'s origin: the only CORS origin and popup message target. */
  readonly frontendOrigin: string;
  readonly backendOrigin: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly audience: string;
  readonly scopes: string;
  readonly idleTimeout: number;
  readonly absoluteTimeout: number;
  readonly httpTimeout: number;
  readonly clockTolerance: number;
  /** `cid`s whose Bearer tokens are accepted; empty accepts every client of the issuer. */
  readonly allowedClientIds: readonly string[];
  /** JWS algorithms accepted on Bearer JWTs, all asymmetric. */
  readonly accessTokenAlgorithms: readonly string[];
  readonly accessTokenCacheSize: number;
  /** Seconds between JWKS fetches caused by an unknown `kid`. */
  readonly jwksCooldown: number;
  /** Opaque Bearer tokens: `off` refuses them, `on` introspects, `auto` when advertised. */
  readonly accessTokenIntrospection: 'auto' | 'on' | 'off';
  /** Introspection calls per second at most (bursts of one second's worth). */
  readonly introspectionRateLimit: number;
  /** Introspection calls in flight at once at most. */
  readonly introspectionConcurrency: number;
  readonly routes: Readonly<RoutePaths>;
  readonly sessionStore: string | SessionStore;
  /** Cookies get `Secure` and the `__Host-` prefix when the backend is served over https. */
  readonly secureCookies: boolean;
  readonly sessionCookie: string;
  readonly transactionCookie: string;
  /** Loopback issuer and not production: dev conveniences (http issuer, generated secret). */
  readonly dev: boolean;
  /**
   * 32-byte keys derived from SESSION_SECRET, one list per purpose: the current secret's first,
   * then those of previous secrets (read, never written).
   */
  readonly keys: Readonly<{ tokens: readonly TokenKey[]; transaction: readonly Buffer[] }>;
}

/** Names the option in messages: the environment variable when the value came from one. */
export type OptionNames = Partial<Record<keyof GatehouseOptions, string>>;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * Validates options once, at startup, into a frozen {@link Config}. Throws a
 * {@link ConfigError} that names the option (or the variable in `names`) and the fix.
 */
export function parseConfig(options: GatehouseOptions, names: OptionNames = {}): Config {
  const name = (key: keyof GatehouseOptions) => names[key] ?? key;
  const production = options.production ?? process.env.NODE_ENV === 'production';

  const issuer = url(options.issuer, name('issuer'));
  const dev = !production && LOOPBACK.test(issuer.hostname);
  if (
    issuer.protocol !== 'https:' &&
    !(issuer.protocol === 'http:' && LOOPBACK.test(issuer.hostname))
  ) {
    throw new ConfigError(
      `${name('issuer')} must be an https URL (http is accepted on localhost only), got ${options.issuer}`,
    );
  }
  const clientId = required(options.clientId, name('clientId'));
  const clientSecret = required(options.clientSecret, name('clientSecret'));
  const backendUrl = url(options.backendUrl, name('backendUrl'));
  const frontendUrl = url(options.frontendUrl, name('frontendUrl'));
  if (production && backendUrl.protocol !== 'https:' && !LOOPBACK.test(backendUrl.hostname)) {
    throw new ConfigError(
      `${name('backendUrl')} must be https in production (session cookies need Secure), got ${options.backendUrl}`,
    );
  }

  let secrets = sessionSecrets(options.sessionSecret);
  if (secrets.length === 0) {
    if (!dev) {
      throw new ConfigError(
        `${name('sessionSecret')} is required outside local development: set it to a random string of at least 32 characters (openssl rand -base64 32)`,
      );
    }
    secrets = [devSessionSecret()];
  }
  secrets.forEach((secret, index) => {
    if (secret.length < 32) {
      const which = secrets.length > 1 ? ` (secret ${index + 1} of ${secrets.length})` : '';
      throw new ConfigError(
        `${name('sessionSecret')} must be at least 32 characters${which}, got ${secret.length}`,
      );
    }
  });

  const routes = Object.freeze({ ...defaults.routes, ...options.routes });
  for (const [route, path] of Object.entries(routes)) {
    if (!path.startsWith('/'))
      throw new ConfigError(`routes.${route} must start with '/', got ${path}`);
  }
  const idleTimeout = seconds(options.idleTimeout ?? defaults.idleTimeout, name('idleTimeout'));
  const absoluteTimeout = seconds(
    options.absoluteTimeout ?? defaults.absoluteTimeout,
    name('absoluteTimeout'),
  );
  if (idleTimeout > absoluteTimeout) {
    throw new ConfigError(
      `${name('idleTimeout')} (${idleTimeout}s) cannot be longer than ${name('absoluteTimeout')} (${absoluteTimeout}s)`,
    );
  }

  const secureCookies = backendUrl.protocol === 'https:';
  const base = backendUrl.href.replace(/\/$/, '');
  return Object.freeze({
    issuer,
    clientId,
    clientSecret,
    backendUrl,
    frontendUrl,
    frontendOrigin: frontendUrl.origin,
    backendOrigin: backendUrl.origin,
    redirectUri: base + routes.callback,
    // Exactly as given: providers compare registered sign-out URIs as strings.
    postLogoutRedirectUri: options.frontendUrl.trim(),
    audience: options.audience || defaults.audience,
    scopes: options.scopes || defaults.scopes,
    idleTimeout,
    absoluteTimeout,
    httpTimeout: seconds(options.httpTimeout ?? defaults.httpTimeout, name('httpTimeout')),
    clockTolerance: seconds(
      options.clockTolerance ?? defaults.clockTolerance,
      name('clockTolerance'),
      0,
    ),
    allowedClientIds: Object.freeze([...(options.allowedClientIds ?? defaults.allowedClientIds)]),
    accessTokenAlgorithms: algorithms(options.accessTokenAlgorithms, name('accessTokenAlgorithms')),
    accessTokenCacheSize: cacheSize(options.accessTokenCacheSize, name('accessTokenCacheSize')),
    jwksCooldown: seconds(options.jwksCooldown ?? defaults.jwksCooldown, name('jwksCooldown'), 0),
    accessTokenIntrospection: introspection(
      options.accessTokenIntrospection,
      name('accessTokenIntrospection'),
    ),
    introspectionRateLimit: rateLimit(
      options.introspectionRateLimit,
      name('introspectionRateLimit'),
    ),
    introspectionConcurrency: concurrency(
      options.introspectionConcurrency,
      name('introspectionConcurrency'),
    ),
    routes,
    sessionStore: options.sessionStore ?? 'memory',
    secureCookies,
    // RFC 6265bis 4.1.3.2: __Host- cookies are Secure, host-only and Path=/.
    sessionCookie: (secureCookies ? '__Host-' : '') + defaults.cookieName,
    transactionCookie: (secureCookies ? '__Host-' : '') + defaults.cookieName + '-tx',
    dev,
    keys: Object.freeze({
      tokens: Object.freeze(secrets.map(tokenKey)),
      transaction: Object.freeze(secrets.map((secret) => deriveKey(secret, 'transaction'))),
    }),
  });
}

/** The secrets, current first: a list, or one string with previous secrets after commas. */
export function sessionSecrets(value: string | readonly string[] | undefined): string[] {
  const list = typeof value === 'string' ? value.split(',') : (value ?? []);
  return list.map((secret) => secret.trim()).filter(Boolean);
}

function required(value: string | undefined, label: string): string {
  if (!value || !value.trim()) throw new ConfigError(`${label} is required`);
  return value.trim();
}

function url(value: string | undefined, label: string): URL {
  const text = required(value, label);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(
      `${label} must be an absolute URL such as https://example.com, got ${text}`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${label} must be an http(s) URL, got ${text}`);
  }
  if (parsed.search || parsed.hash || parsed.username) {
    throw new ConfigError(`${label} must not carry a query, fragment or credentials, got ${text}`);
  }
  return parsed;
}

function algorithms(value: readonly string[] | undefined, label: string): readonly string[] {
  if (value === undefined) return defaults.accessTokenAlgorithms;
  const allowed = defaults.accessTokenAlgorithms;
  const refused = value.filter((alg) => !allowed.includes(alg));
  if (value.length === 0 || refused.length > 0) {
    throw new ConfigError(
      `${label} must list asymmetric JWS algorithms from ${allowed.join(', ')}, got ${value.join(', ') || 'none'}`,
    );
  }
  return Object.freeze([...value]);
}

function cacheSize(value: number | undefined, label: string): number {
  const size = value ?? defaults.accessTokenCacheSize;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ConfigError(`${label} must be a whole number >= 0, got ${value}`);
  }
  return size;
}

const INTROSPECTION_MODES = ['auto', 'on', 'off'] as const;

function introspection(value: string | undefined, label: string): 'auto' | 'on' | 'off' {
  if (value === undefined) return defaults.accessTokenIntrospection;
  const mode = INTROSPECTION_MODES.find((candidate) => candidate === value);
  if (!mode) {
    throw new ConfigError(`${label} must be auto, on or off, got ${value}`);
  }
  return mode;
}

function rateLimit(value: number | undefined, label: string): number {
  const rate = value ?? defaults.introspectionRateLimit;
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new ConfigError(
      `${label} must be a number of calls per second > 0 (turn introspection off instead), got ${value}`,
    );
  }
  return rate;
}

function concurrency(value: number | undefined, label: string): number {
  const limit = value ?? defaults.introspectionConcurrency;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ConfigError(`${label} must be a whole number >= 1, got ${value}`);
  }
  return limit;
}

function seconds(value: number, label: string, min = 1): number {
  if (!Number.isFinite(value) || value < min) {
    throw new ConfigError(`${label} must be a number of seconds >= ${min}, got ${value}`);
  }
  return value;
}
