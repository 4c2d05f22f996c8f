// The provider-neutral OIDC_* variables beside the tutorial's OKTA_* ones: either name works,
// both set must agree, and an error names the variable the user set.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  ConfigError,
  createGatehouse,
  ENV_NAMES,
  optionsFromEnv,
  parseConfig,
} from '@gatehouse/server';

const env = {
  BACKEND_URL: 'https://api.example.com',
  FRONTEND_URL: 'https://app.example.com',
  SESSION_SECRET: 'x'.repeat(32),
};
const okta = {
  OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
  OKTA_CLIENT_ID: 'okta-client',
  OKTA_CLIENT_SECRET: 'okta-secret',
};
const neutral = {
  OIDC_ISSUER_URL: 'https://tenant.eu.auth0.com/',
  OIDC_CLIENT_ID: 'neutral-client',
  OIDC_CLIENT_SECRET: 'neutral-secret',
  OIDC_AUDIENCE: 'https://api.example.com',
  OIDC_SCOPES: 'openid profile email',
};
const PAIRS = [
  ['OKTA_ISSUER_URL', 'OIDC_ISSUER_URL'],
  ['OKTA_CLIENT_ID', 'OIDC_CLIENT_ID'],
  ['OKTA_CLIENT_SECRET', 'OIDC_CLIENT_SECRET'],
  ['OKTA_AUDIENCE', 'OIDC_AUDIENCE'],
  ['OKTA_SCOPES', 'OIDC_SCOPES'],
] as const;

const fromEnv = (variables: Record<string, string | undefined>) =>
  parseConfig(optionsFromEnv({ ...env, ...variables }), ENV_NAMES);

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('provider-neutral variable names (OIDC_*)', () => {
  test('each OIDC_* name configures its setting without the OKTA_* one', () => {
    const config = fromEnv(neutral);
    expect(config.issuer.href).toBe(neutral.OIDC_ISSUER_URL);
    expect(config.clientId).toBe(neutral.OIDC_CLIENT_ID);
    expect(config.clientSecret).toBe(neutral.OIDC_CLIENT_SECRET);
    expect(config.audience).toBe(neutral.OIDC_AUDIENCE);
    expect(config.scopes).toBe(neutral.OIDC_SCOPES);
  });

  test('an empty OKTA_* variable (a copied .env.example) leaves the OIDC_* one in charge', () => {
    const config = fromEnv({ ...neutral, OKTA_CLIENT_SECRET: '', OKTA_ISSUER_URL: '' });
    expect(config.clientSecret).toBe(neutral.OIDC_CLIENT_SECRET);
    expect(config.issuer.href).toBe(neutral.OIDC_ISSUER_URL);
  });

  test('both names set to the same value are accepted', () => {
    const same = {
      OKTA_ISSUER_URL: neutral.OIDC_ISSUER_URL,
      OKTA_CLIENT_ID: neutral.OIDC_CLIENT_ID,
      OKTA_CLIENT_SECRET: neutral.OIDC_CLIENT_SECRET,
      OKTA_AUDIENCE: neutral.OIDC_AUDIENCE,
      OKTA_SCOPES: neutral.OIDC_SCOPES,
    };
    const config = fromEnv({ ...same, ...neutral });
    expect(config.clientId).toBe(neutral.OIDC_CLIENT_ID);
    expect(config.scopes).toBe(neutral.OIDC_SCOPES);
  });

  test.each(PAIRS)(
    'stops at startup when %s and %s disagree (the server would silently pick one)',
    (primary, alias) => {
      const start = () =>
        optionsFromEnv({ ...env, ...okta, [primary]: 'one value', [alias]: 'another value' });
      expect(start).toThrow(ConfigError);
      expect(start).toThrow(`${primary} and ${alias} are two names of one setting`);
    },
  );

  test('the disagreement message never shows a client secret', () => {
    let message = '';
    try {
      optionsFromEnv({ ...env, ...okta, OIDC_CLIENT_SECRET: neutral.OIDC_CLIENT_SECRET });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('OKTA_CLIENT_SECRET and OIDC_CLIENT_SECRET');
    expect(message).not.toContain(okta.OKTA_CLIENT_SECRET);
    expect(message).not.toContain(neutral.OIDC_CLIENT_SECRET);
  });

  test('an error about a bad issuer names OIDC_ISSUER_URL when that is the variable set', () => {
    vi.stubEnv('OKTA_ISSUER_URL', undefined);
    vi.stubEnv('OKTA_CLIENT_ID', undefined);
    for (const [name, value] of Object.entries({ ...env, ...neutral })) vi.stubEnv(name, value);
    vi.stubEnv('OIDC_ISSUER_URL', 'http://idp.example.com/');
    expect(() => createGatehouse(optionsFromEnv(), ENV_NAMES)).toThrow(
      'OIDC_ISSUER_URL must be an https URL (http is accepted on localhost only), got http://idp.example.com/',
    );
    vi.stubEnv('OIDC_ISSUER_URL', neutral.OIDC_ISSUER_URL);
    vi.stubEnv('OIDC_CLIENT_ID', '');
    expect(() => createGatehouse(optionsFromEnv(), ENV_NAMES)).toThrow(
      /^OKTA_CLIENT_ID is required/,
    );
  });

  test('the configuration reference lists both names of each setting', async () => {
    const reference = await readFile(
      new URL('../../../docs/configuration.md', import.meta.url),
      'utf8',
    );
    for (const [primary, alias] of PAIRS) {
      expect(reference).toContain(`| \`${primary}\` |`);
      expect(reference).toContain(`| \`${alias}\` |`);
    }
  });
});
