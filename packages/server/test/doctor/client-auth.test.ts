import { startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import { doctor } from '@gatehouse/server/doctor';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { BACKEND_URL, CLIENT, FRONTEND_URL, doctoredDiscovery, goodEnv, line } from './support.js';

const run = (env: Record<string, string | undefined>) => doctor({ env, envFile: false });

const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const privateJwk = { ...signingKey.export({ format: 'jwk' }), kid: 'doctor-key' };
const publicJwk = (({ kty, crv, x, y, kid }) => ({ kty, crv, x, y, kid }))(privateJwk);

let idp: DevIdp | undefined;
afterEach(async () => {
  await idp?.close();
  idp = undefined;
});

/** A dev IdP whose doctor client is registered with `registration` (its auth method, keys). */
async function startIdp(registration: Record<string, unknown>, par = false) {
  idp = await startDevIdp({
    port: 0,
    keysFile: false,
    quiet: true,
    par,
    clients: [
      {
        client_id: CLIENT.id,
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [`${BACKEND_URL}/signin-oidc`],
        post_logout_redirect_uris: [FRONTEND_URL],
        ...registration,
      },
    ],
  });
  return idp;
}

const keyRegistration = {
  token_endpoint_auth_method: 'private_key_jwt' as const,
  jwks: { keys: [publicJwk] },
};
const keyEnv = (issuer: string, overrides: Record<string, string | undefined> = {}) =>
  goodEnv(issuer, {
    OKTA_CLIENT_SECRET: undefined,
    CLIENT_AUTH: 'private_key_jwt',
    CLIENT_PRIVATE_KEY: JSON.stringify(privateJwk),
    ...overrides,
  });

describe('client authentication', () => {
  test('private_key_jwt: a probe token request signed with the key is accepted', async () => {
    const provider = await startIdp(keyRegistration);
    const report = await run(keyEnv(provider.issuer));
    expect(line(report, 'configuration').status).toBe('ok');
    expect(line(report, 'client')).toMatchObject({
      status: 'ok',
      title: 'client id and key',
      message: expect.stringContaining('and its key (kid doctor-key) are accepted'),
    });
  });

  test('private_key_jwt: a key the provider does not know is invalid_client, and the fix names the JWKS URL', async () => {
    const provider = await startIdp(keyRegistration);
    const other = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
      kid: 'doctor-key',
    };
    const report = await run(
      keyEnv(provider.issuer, { CLIENT_PRIVATE_KEY: JSON.stringify(other) }),
    );
    const client = line(report, 'client');
    expect(client.status).toBe('error');
    expect(client.message).toContain('the provider refused CLIENT_PRIVATE_KEY');
    expect(client.fix).toContain('BACKEND_URL + /.well-known/jwks.json');
  });

  test('client_secret_post with a wrong secret: invalid_client, and the fix says how it is sent', async () => {
    const provider = await startIdp({ client_secret: CLIENT.secret });
    const report = await run(
      goodEnv(provider.issuer, { CLIENT_AUTH: 'client_secret_post', OKTA_CLIENT_SECRET: 'wrong' }),
    );
    expect(line(report, 'client')).toMatchObject({
      status: 'error',
      fix: expect.stringContaining('in the form (client_secret_post)'),
    });
  });

  test('a method the provider does not offer is an error before any probe', async () => {
    const provider = await startIdp(keyRegistration);
    const doctored = await doctoredDiscovery(provider, (document, url) => ({
      ...document,
      issuer: url,
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    }));
    try {
      const report = await run(keyEnv(doctored.url));
      expect(line(report, 'client')).toMatchObject({
        status: 'error',
        message: 'CLIENT_AUTH=private_key_jwt, but the provider offers only client_secret_basic',
      });
    } finally {
      await doctored.close();
    }
  });

  test('the generated development key cannot be checked: a warning that says why', async () => {
    const provider = await startIdp(keyRegistration);
    const report = await run(keyEnv(provider.issuer, { CLIENT_PRIVATE_KEY: undefined }));
    expect(line(report, 'configuration').status).toBe('ok');
    expect(line(report, 'client')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('set CLIENT_PRIVATE_KEY'),
    });
  });

  test('several providers: each is probed with its own method and key from PROVIDERS, not the shared ones', async () => {
    // A tenant's key that is never checked would let a rotated-out key reach production unseen.
    const keyed = await startIdp(keyRegistration);
    const stale = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      clients: [
        { client_id: CLIENT.id, redirect_uris: [`${BACKEND_URL}/signin-oidc`], ...keyRegistration },
      ],
    });
    const other = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
      kid: 'stale-key',
    };
    const tenant = (id: string, issuer: string, key: object) => ({
      id,
      issuer,
      clientId: CLIENT.id,
      clientAuth: 'private_key_jwt',
      clientPrivateKey: key,
    });
    try {
      const report = await run(
        goodEnv(keyed.issuer, {
          OKTA_ISSUER_URL: undefined,
          OKTA_CLIENT_ID: undefined,
          OKTA_CLIENT_SECRET: undefined,
          PROVIDERS: JSON.stringify([
            tenant('keyed', keyed.issuer, privateJwk),
            tenant('stale', stale.issuer, other),
          ]),
        }),
      );
      expect(line(report, 'configuration').status).toBe('ok');
      expect(line(report, 'keyed:client')).toMatchObject({
        status: 'ok',
        message: expect.stringContaining('(kid doctor-key) are accepted'),
      });
      expect(line(report, 'stale:client').status).toBe('error');
    } finally {
      await stale.close();
    }
  });

  test('without a secret method, OKTA_CLIENT_SECRET is not asked for; a bad key stops the configuration', async () => {
    const provider = await startIdp(keyRegistration);
    const report = await run(
      keyEnv(provider.issuer, { CLIENT_PRIVATE_KEY: JSON.stringify(publicJwk) }),
    );
    expect(line(report, 'configuration')).toMatchObject({
      status: 'error',
      message: expect.stringContaining('CLIENT_PRIVATE_KEY is a public key'),
    });
    expect(line(report, 'configuration').message).not.toContain('OKTA_CLIENT_SECRET');
  });
});

describe('PAR=on', () => {
  test('against a provider that advertises no PAR endpoint: every sign-in would fail', async () => {
    const provider = await startIdp({ client_secret: CLIENT.secret });
    const report = await run(goodEnv(provider.issuer, { PAR: 'on' }));
    expect(line(report, 'par')).toMatchObject({
      status: 'error',
      message: expect.stringContaining('advertises no pushed_authorization_request_endpoint'),
    });
  });

  test('a pushed request the provider accepts', async () => {
    const provider = await startIdp({ client_secret: CLIENT.secret }, true);
    const report = await run(goodEnv(provider.issuer, { PAR: 'on' }));
    expect(line(report, 'par').status).toBe('ok');
    expect(report.ok).toBe(true);
  });

  test('PAR=auto adds no line', async () => {
    const provider = await startIdp({ client_secret: CLIENT.secret }, true);
    const report = await run(goodEnv(provider.issuer));
    expect(report.checks.some((item) => item.id === 'par')).toBe(false);
  });
});
