import { ENV_NAMES, optionsFromEnv, parseConfig, type GatehouseOptions } from '@gatehouse/server';

/** A valid configuration on an Okta-shaped issuer, for tests of the configuration alone. */
export const baseOptions: GatehouseOptions = Object.freeze({
  issuer: 'https://dev-1.okta.com/oauth2/default',
  clientId: 'client',
  clientSecret: 'secret',
  backendUrl: 'https://api.example.com',
  frontendUrl: 'https://app.example.com',
  sessionSecret: 'x'.repeat(32),
});

/** The same configuration as the variables `npm run serve` reads. */
const baseEnv: Readonly<Record<string, string | undefined>> = Object.freeze({
  OKTA_ISSUER_URL: baseOptions.issuer,
  OKTA_CLIENT_ID: 'client',
  OKTA_CLIENT_SECRET: 'secret',
  BACKEND_URL: baseOptions.backendUrl,
  FRONTEND_URL: baseOptions.frontendUrl,
  SESSION_SECRET: 'x'.repeat(32),
});

/** The configuration of {@link baseEnv} with `overrides` (undefined: the variable unset). */
export const configFromEnv = (overrides: Record<string, string | undefined>) =>
  parseConfig(optionsFromEnv({ ...baseEnv, ...overrides }), ENV_NAMES);
