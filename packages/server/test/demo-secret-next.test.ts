// The production check of the demo's values (issue 22 follow-up): SESSION_SECRET_NEXT becomes
// the sealing secret at phase 2 of a rotation, so one built from the demo's published client
// secret is refused in production as SESSION_SECRET is.
import { ConfigError, ENV_NAMES, optionsFromEnv, parseConfig } from '@gatehouse/server';
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';

const PRODUCTION = {
  NODE_ENV: 'production',
  OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
  OKTA_CLIENT_ID: 'production-client',
  OKTA_CLIENT_SECRET: 'a-real-client-secret-from-okta',
  BACKEND_URL: 'https://app.example.com',
  FRONTEND_URL: 'https://app.example.com',
  SESSION_SECRET: randomBytes(32).toString('base64url'),
};
const parse = (env: Record<string, string>) => () =>
  parseConfig(optionsFromEnv({ ...PRODUCTION, ...env }), ENV_NAMES);

test("a SESSION_SECRET_NEXT built from the demo's published secret is refused in production (it would seal every session after the rotation)", () => {
  for (const next of [
    'gatehouse-demo-secret-gatehouse-demo-secret',
    `${randomBytes(32).toString('base64url')},gatehouse-cli-secret-padded-to-32-chars`,
  ]) {
    expect(parse({ SESSION_SECRET_NEXT: next })).toThrow(
      new ConfigError(
        "SESSION_SECRET_NEXT contains the demo's published client secret, refused in production: set a random one (openssl rand -base64 32)",
      ),
    );
  }
  expect(parse({ SESSION_SECRET_NEXT: randomBytes(32).toString('base64url') })).not.toThrow();
  expect(
    parse({ NODE_ENV: 'development', SESSION_SECRET_NEXT: 'gatehouse-demo-secret-'.repeat(2) }),
  ).not.toThrow();
});
