import type { GatehouseOptions } from './options.js';
import type { OptionNames } from './parse.js';

/** Which environment variable feeds which option; error messages use these names. */
export const ENV_NAMES = Object.freeze({
  issuer: 'OKTA_ISSUER_URL',
  clientId: 'OKTA_CLIENT_ID',
  clientSecret: 'OKTA_CLIENT_SECRET',
  backendUrl: 'BACKEND_URL',
  frontendUrl: 'FRONTEND_URL',
  sessionSecret: 'SESSION_SECRET',
  sessionStore: 'SESSION_STORE',
  audience: 'OKTA_AUDIENCE',
  scopes: 'OKTA_SCOPES',
  idleTimeout: 'SESSION_IDLE_TIMEOUT',
  absoluteTimeout: 'SESSION_ABSOLUTE_TIMEOUT',
  httpTimeout: 'HTTP_TIMEOUT',
  clockTolerance: 'CLOCK_TOLERANCE',
  allowedClientIds: 'OKTA_ALLOWED_CLIENT_IDS',
  accessTokenAlgorithms: 'ACCESS_TOKEN_ALGORITHMS',
  accessTokenCacheSize: 'ACCESS_TOKEN_CACHE_SIZE',
  jwksCooldown: 'JWKS_COOLDOWN',
  accessTokenIntrospection: 'ACCESS_TOKEN_INTROSPECTION',
  introspectionRateLimit: 'INTROSPECTION_RATE_LIMIT',
  introspectionConcurrency: 'INTROSPECTION_CONCURRENCY',
} satisfies OptionNames);

/**
 * Reads the seed tutorial's environment variables (and Gatehouse's own) into options.
 * Pass the result and {@link ENV_NAMES} to `createGatehouse` so errors name the variable.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouse(optionsFromEnv(), ENV_NAMES)
 * ```
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): GatehouseOptions {
  const number = (key: string) => (env[key] ? Number(env[key]) : undefined);
  const list = (key: string) =>
    env[key]
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  return {
    issuer: env.OKTA_ISSUER_URL ?? '',
    clientId: env.OKTA_CLIENT_ID ?? '',
    clientSecret: env.OKTA_CLIENT_SECRET ?? '',
    backendUrl: env.BACKEND_URL ?? '',
    frontendUrl: env.FRONTEND_URL ?? '',
    sessionSecret: env.SESSION_SECRET || undefined,
    sessionStore: env.SESSION_STORE || undefined,
    audience: env.OKTA_AUDIENCE || undefined,
    scopes: env.OKTA_SCOPES || undefined,
    idleTimeout: number('SESSION_IDLE_TIMEOUT'),
    absoluteTimeout: number('SESSION_ABSOLUTE_TIMEOUT'),
    httpTimeout: number('HTTP_TIMEOUT'),
    clockTolerance: number('CLOCK_TOLERANCE'),
    allowedClientIds: list('OKTA_ALLOWED_CLIENT_IDS'),
    accessTokenAlgorithms: list('ACCESS_TOKEN_ALGORITHMS'),
    accessTokenCacheSize: number('ACCESS_TOKEN_CACHE_SIZE'),
    jwksCooldown: number('JWKS_COOLDOWN'),
    // Checked by parseConfig, which names the variable when the value is none of the three.
    accessTokenIntrospection: (env.ACCESS_TOKEN_INTROSPECTION?.trim().toLowerCase() ||
      undefined) as GatehouseOptions['accessTokenIntrospection'],
    introspectionRateLimit: number('INTROSPECTION_RATE_LIMIT'),
    introspectionConcurrency: number('INTROSPECTION_CONCURRENCY'),
    production: env.NODE_ENV === 'production',
  };
}
