/**
 * `clientAuth` per provider: checked exactly as the single `CLIENT_AUTH` is, each error naming
 * the provider's field; a provider without one uses the shared setting and what it needs.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ENV_NAMES, optionsFromEnv, parseConfig } from '@gatehouse/server';

const env = {
  BACKEND_URL: 'https://api.example.com',
  FRONTEND_URL: 'https://app.example.com',
  SESSION_SECRET: 'x'.repeat(32),
  OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
  OKTA_CLIENT_ID: 'client',
  OKTA_CLIENT_SECRET: 'secret',
};
const acme = { id: 'acme', issuer: 'https://acme.okta.com/oauth2/default', clientId: '0oa-acme' };
const key = () =>
  JSON.stringify(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  );
const withAcme = (fields: Record<string, unknown>, extra: Record<string, string> = {}) =>
  parseConfig(
    optionsFromEnv({ ...env, PROVIDERS: JSON.stringify([{ ...acme, ...fields }]), ...extra }),
    ENV_NAMES,
  );

describe('PROVIDERS[i].clientAuth', () => {
  test('a provider’s own method and key; the default keeps CLIENT_AUTH and its secret', () => {
    const config = withAcme({ clientAuth: 'private_key_jwt', clientPrivateKey: key() });
    const [first, second] = config.providers;
    expect(first).toMatchObject({ clientAuth: 'client_secret_basic', clientSecret: 'secret' });
    expect(second).toMatchObject({ clientAuth: 'private_key_jwt', clientSecret: undefined });
    expect(second!.clientKey?.alg).toBe('ES256');
  });

  test('only what the method uses is kept: a secret beside private_key_jwt is dropped', () => {
    const config = withAcme({
      clientAuth: 'private_key_jwt',
      clientPrivateKey: key(),
      clientSecret: 'lying-around',
    });
    expect(config.providers[1]!.clientSecret).toBeUndefined();
  });

  test('no clientAuth: the shared CLIENT_AUTH, and its shared key', () => {
    const config = withAcme(
      {},
      { CLIENT_AUTH: 'private_key_jwt', CLIENT_PRIVATE_KEY: key(), OKTA_CLIENT_SECRET: '' },
    );
    expect(config.providers[1]).toMatchObject({ clientAuth: 'private_key_jwt' });
    expect(config.providers[1]!.clientKey).toBe(config.clientKey);
  });

  test.each([
    [
      { clientAuth: 'magic' },
      'PROVIDERS[0].clientAuth must be one of client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, got magic',
    ],
    [
      { clientAuth: 'client_secret_post' },
      'PROVIDERS[0].clientSecret is required with PROVIDERS[0].clientAuth=client_secret_post: copy the client secret from the provider',
    ],
    [{}, 'PROVIDERS[0].clientSecret is required with CLIENT_AUTH=client_secret_basic'],
    [
      { clientAuth: 'private_key_jwt' },
      'PROVIDERS[0].clientPrivateKey is required with PROVIDERS[0].clientAuth=private_key_jwt',
    ],
    [
      { clientAuth: 'private_key_jwt', clientPrivateKey: '{"kty":"oct","k":"AAAA"}' },
      'PROVIDERS[0].clientPrivateKey is a symmetric key (kty oct)',
    ],
    [
      { clientAuth: 'tls_client_auth', clientCertificateFile: 'client.pem' },
      'PROVIDERS[0].clientCertificateKeyFile is required with PROVIDERS[0].clientAuth=tls_client_auth',
    ],
    [
      { accessTokenIntrospection: 'sometimes' },
      'PROVIDERS[0].accessTokenIntrospection must be auto, on or off, got sometimes',
    ],
  ])('%j is refused, naming the provider’s field', (fields, message) => {
    expect(() => withAcme(fields)).toThrow(message);
  });
});
