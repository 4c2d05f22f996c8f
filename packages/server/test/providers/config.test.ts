import { describe, expect, test } from 'vitest';
import { ENV_NAMES, optionsFromEnv, parseConfig, type GatehouseOptions } from '@gatehouse/server';

const env = {
  BACKEND_URL: 'https://api.example.com',
  FRONTEND_URL: 'https://app.example.com',
  SESSION_SECRET: 'x'.repeat(32),
};
const acme = {
  id: 'acme',
  issuer: 'https://acme.okta.com/oauth2/default',
  clientId: '0oa-acme',
  clientSecret: 'acme-secret',
  domains: ['acme.example', 'Acme.co.uk'],
  displayName: 'Acme',
};
const globex = {
  id: 'globex',
  issuer: 'https://login.globex.example',
  clientId: 'globex-client',
  clientSecret: 'globex-secret',
  audience: 'api://globex',
  scopes: 'openid email',
  authorizationParams: { organization: 'org_1' },
};
const fromEnv = (overrides: Record<string, string | undefined>) =>
  parseConfig(optionsFromEnv({ ...env, ...overrides }), ENV_NAMES);
const withProviders = (providers: unknown, extra: Record<string, string> = {}) =>
  fromEnv({ PROVIDERS: JSON.stringify(providers), ...extra });

describe('PROVIDERS', () => {
  test('replaces OKTA_ISSUER_URL and OKTA_CLIENT_ID: the first provider is the default one', () => {
    const config = withProviders([acme, globex]);
    expect(config.providers.map((one) => one.id)).toEqual(['acme', 'globex']);
    expect(config.issuer.href).toBe(acme.issuer);
    expect(config.clientId).toBe('0oa-acme');
    expect(config.clientSecret).toBe('acme-secret');
    expect(config.providers[0]).toMatchObject({
      displayName: 'Acme',
      domains: ['acme.example', 'acme.co.uk'],
      audience: 'api://default',
      scopes: 'openid profile email offline_access',
    });
    expect(config.providers[1]).toMatchObject({
      displayName: 'globex',
      audience: 'api://globex',
      scopes: 'openid email',
      authorizationParams: { organization: 'org_1' },
    });
  });

  test('beside the single settings: they are the provider default, first', () => {
    const config = withProviders([acme], {
      OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
      OKTA_CLIENT_ID: 'client',
      OKTA_CLIENT_SECRET: 'secret',
      OKTA_SCOPES: 'openid email',
    });
    expect(config.providers.map((one) => one.id)).toEqual(['default', 'acme']);
    expect(config.issuer.href).toBe('https://dev-1.okta.com/oauth2/default');
    // A provider without scopes asks for OKTA_SCOPES.
    expect(config.providers[1]!.scopes).toBe('openid email');
  });

  test('one provider from the single settings is the provider default, as before', () => {
    const config = fromEnv({
      OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
      OKTA_CLIENT_ID: 'client',
      OKTA_CLIENT_SECRET: 'secret',
    });
    expect(config.providers).toHaveLength(1);
    expect(config.providers[0]).toMatchObject({ id: 'default', clientId: 'client' });
    expect(config.resolveProvider).toBeUndefined();
  });

  test.each([
    ['not JSON', 'acme', /^PROVIDERS must be a JSON array of providers/],
    ['an object', { id: 'acme' }, /^PROVIDERS must be a JSON array/],
    ['a bad id', [{ ...acme, id: 'Acme Corp' }], /^PROVIDERS\[0\]\.id must be 1 to 32 lower-case/],
    ['a long id', [{ ...acme, id: 'a'.repeat(33) }], /^PROVIDERS\[0\]\.id must be/],
    ['a repeated id', [acme, { ...globex, id: 'acme' }], /^PROVIDERS\[1\]\.id repeats the id acme/],
    [
      'a domain of two providers',
      [acme, { ...globex, domains: ['ACME.example'] }],
      /^PROVIDERS\[1\]\.domains: acme\.example is already a domain of acme/,
    ],
    ['a bad domain', [{ ...acme, domains: ['@acme'] }], /^PROVIDERS\[0\]\.domains: "@acme"/],
    ['no issuer', [{ ...acme, issuer: undefined }], /^PROVIDERS\[0\]\.issuer is required/],
    [
      'an http issuer',
      [{ ...acme, issuer: 'http://acme.example' }],
      /^PROVIDERS\[0\]\.issuer must be an https URL/,
    ],
    ['no client id', [{ ...acme, clientId: ' ' }], /^PROVIDERS\[0\]\.clientId is required/],
    [
      'no client secret',
      [acme, { ...globex, clientSecret: undefined }],
      /^PROVIDERS\[1\]\.clientSecret is required with CLIENT_AUTH=client_secret_basic/,
    ],
    [
      'no client secret on the first',
      [{ ...acme, clientSecret: undefined }],
      /^PROVIDERS\[0\]\.clientSecret is required with CLIENT_AUTH=client_secret_basic/,
    ],
    [
      'two providers of one issuer',
      [acme, { ...globex, issuer: acme.issuer }],
      /^PROVIDERS\[1\]\.issuer is the issuer of PROVIDERS\[0\]: a token names its issuer only/,
    ],
    [
      'an unknown field',
      [{ ...acme, tenant: 'x' }],
      /^PROVIDERS\[0\]\.tenant is not a provider field/,
    ],
    [
      'a fixed parameter Gatehouse sets',
      [{ ...acme, authorizationParams: { state: 'x' } }],
      /^PROVIDERS\[0\]\.authorizationParams cannot name state/,
    ],
  ])('refuses %s, naming the field', (_, providers, message) => {
    expect(() => withProviders(providers)).toThrow(message);
  });

  test('refuses the id default beside the single settings', () => {
    expect(() =>
      withProviders([{ ...acme, id: 'default' }], {
        OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
        OKTA_CLIENT_ID: 'client',
        OKTA_CLIENT_SECRET: 'secret',
      }),
    ).toThrow(/^PROVIDERS\[0\]\.id is default, the id of the provider of OKTA_ISSUER_URL/);
  });

  test('without PROVIDERS, OKTA_ISSUER_URL is still required', () => {
    expect(() => fromEnv({ OKTA_CLIENT_ID: 'client', OKTA_CLIENT_SECRET: 's' })).toThrow(
      /OKTA_ISSUER_URL is required/,
    );
  });

  test('resolveProvider must be a function', () => {
    const options = {
      ...optionsFromEnv({ ...env, PROVIDERS: JSON.stringify([acme]) }),
      resolveProvider: 'acme',
    } as unknown as GatehouseOptions;
    expect(() => parseConfig(options)).toThrow(/^resolveProvider must be a function/);
  });
});
