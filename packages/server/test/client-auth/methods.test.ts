import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { parseConfig, type GatehouseOptions } from '@gatehouse/server';
import { describe, expect, test } from 'vitest';
import { clientAuthentication } from '../../src/provider/client-auth.js';

const ISSUER = 'https://idp.example.com/oauth2/default';
const BASE: GatehouseOptions = {
  issuer: ISSUER,
  clientId: 'client',
  backendUrl: 'https://api.example.com',
  frontendUrl: 'https://app.example.com',
  sessionSecret: 'x'.repeat(32),
};

/** A token request made with the configured method, as the provider receives it. */
async function tokenRequest(options: Partial<GatehouseOptions>) {
  const config = parseConfig({ ...BASE, ...options } as GatehouseOptions);
  const { metadata, auth } = await clientAuthentication(config);
  const configuration = new client.Configuration(
    { issuer: ISSUER, token_endpoint: `${ISSUER}/v1/token` },
    'client',
    metadata,
    auth,
  );
  let seen: { headers: Headers; body: URLSearchParams } | undefined;
  configuration[client.customFetch] = async (_url, init) => {
    seen = { headers: new Headers(init.headers), body: new URLSearchParams(String(init.body)) };
    return Response.json({ error: 'invalid_grant' }, { status: 400 });
  };
  await expect(
    client.genericGrantRequest(configuration, 'authorization_code', { code: 'x' }),
  ).rejects.toThrow();
  return { config, seen: seen! };
}

describe('the token request carries the configured method, and only it', () => {
  test('client_secret_basic: HTTP Basic, no secret in the form', async () => {
    const { seen } = await tokenRequest({ clientSecret: 's3cret' });
    expect(seen.headers.get('authorization')).toBe(`Basic ${btoa('client:s3cret')}`);
    expect(seen.body.has('client_secret')).toBe(false);
  });

  test('client_secret_post: the secret in the form, no Authorization header', async () => {
    const { seen } = await tokenRequest({
      clientAuth: 'client_secret_post',
      clientSecret: 's3cret',
    });
    expect(seen.body.get('client_secret')).toBe('s3cret');
    expect(seen.headers.has('authorization')).toBe(false);
  });

  test('private_key_jwt: a short assertion signed with the key and its kid, and no secret (even one configured)', async () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const { config, seen } = await tokenRequest({
      clientAuth: 'private_key_jwt',
      clientPrivateKey: key.export({ format: 'jwk' }),
      clientSecret: 'lying-around',
    });
    expect(seen.headers.has('authorization')).toBe(false);
    expect(seen.body.has('client_secret')).toBe(false);
    expect(seen.body.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    const assertion = seen.body.get('client_assertion')!;
    expect(decodeProtectedHeader(assertion)).toMatchObject({
      alg: 'RS256',
      kid: config.clientKey!.kid,
    });
    // Verifies with the published public key alone: what the provider does with the JWKS.
    const { payload } = await jwtVerify(
      assertion,
      createLocalJWKSet({ keys: [{ ...config.clientKey!.publicJwk }] }),
      { issuer: 'client', subject: 'client' },
    );
    expect(payload.jti).toBeTruthy();
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
  });
});
