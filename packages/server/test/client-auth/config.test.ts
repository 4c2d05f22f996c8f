import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import {
  ConfigError,
  createGatehouse,
  optionsFromEnv,
  parseConfig,
  ENV_NAMES,
  type GatehouseOptions,
} from '@gatehouse/server';
import { describe, expect, test } from 'vitest';

const BASE: GatehouseOptions = {
  issuer: 'https://idp.example.com/oauth2/default',
  clientId: 'client',
  clientSecret: 'secret',
  backendUrl: 'https://api.example.com',
  frontendUrl: 'https://app.example.com',
  sessionSecret: 'x'.repeat(32),
};

const pem = (key: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1' | 'spki' = 'pkcs8') =>
  key.export({ format: 'pem', type } as never).toString();
const jwk = (key: KeyObject) => key.export({ format: 'jwk' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

function withKey(clientPrivateKey: unknown): GatehouseOptions {
  return {
    ...BASE,
    clientSecret: undefined,
    clientAuth: 'private_key_jwt',
    clientPrivateKey: clientPrivateKey as string,
  };
}

function refused(options: GatehouseOptions, message: RegExp) {
  expect(() => parseConfig(options)).toThrow(ConfigError);
  expect(() => parseConfig(options)).toThrow(message);
}

describe('the private key of private_key_jwt', () => {
  test.each([
    ['an RSA PEM (PKCS#8)', pem(rsa.privateKey), 'RS256', rsa.publicKey],
    ['an RSA PEM (PKCS#1)', pem(rsa.privateKey, 'pkcs1'), 'RS256', rsa.publicKey],
    ['an EC P-256 PEM (SEC1)', pem(ec.privateKey, 'sec1'), 'ES256', ec.publicKey],
    ['an Ed25519 PEM', pem(ed.privateKey), 'EdDSA', ed.publicKey],
    ['an EC private JWK as JSON', JSON.stringify(jwk(ec.privateKey)), 'ES256', ec.publicKey],
    ['an RSA private JWK object', jwk(rsa.privateKey), 'RS256', rsa.publicKey],
  ])('accepts %s', async (_name, key, alg, publicKey) => {
    const config = parseConfig(withKey(key));
    expect(config.clientKey?.alg).toBe(alg);
    // No kid given: the RFC 7638 thumbprint, the same as jose computes.
    expect(config.clientKey?.kid).toBe(await calculateJwkThumbprint(jwk(publicKey) as never));
  });

  test('keeps the kid and an alg that fits the key', () => {
    const config = parseConfig(withKey({ ...jwk(rsa.privateKey), kid: 'mine', alg: 'PS256' }));
    expect(config.clientKey).toMatchObject({ kid: 'mine', alg: 'PS256' });
  });

  test.each([
    ['a public JWK (the wrong half)', jwk(ec.publicKey), /is a public key/],
    ['a public PEM', pem(ec.publicKey, 'spki'), /public key or certificate/],
    [
      'a symmetric JWK (a shared secret is not private_key_jwt)',
      { kty: 'oct', k: 'c2VjcmV0' },
      /symmetric key/,
    ],
    ['garbage text', 'not a key at all', /private JWK \(JSON\) or a PEM private key/],
    ['broken JSON', '{"kty": "EC",', /not valid JSON/],
    [
      'a broken PEM',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      /not a readable PEM/,
    ],
    [
      'an encrypted PEM',
      ec.privateKey
        .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' })
        .toString(),
      /encrypted private key/,
    ],
    [
      'a 1024-bit RSA key (too weak)',
      pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
      /at least 2048 bits/,
    ],
    [
      'a secp256k1 key (no JWS algorithm here)',
      pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey),
      /cannot sign client assertions/,
    ],
    [
      'an alg that does not fit the key',
      { ...jwk(ec.privateKey), alg: 'RS256' },
      /does not fit the key/,
    ],
  ])('refuses %s with a readable ConfigError', (_name, key, message) => {
    refused(withKey(key), message);
  });

  test('the error names the variable, never the key', () => {
    const env = {
      OKTA_ISSUER_URL: BASE.issuer,
      OKTA_CLIENT_ID: 'client',
      BACKEND_URL: BASE.backendUrl,
      FRONTEND_URL: BASE.frontendUrl,
      SESSION_SECRET: 'x'.repeat(32),
      CLIENT_AUTH: 'private_key_jwt',
      CLIENT_PRIVATE_KEY: JSON.stringify(jwk(ec.publicKey)),
    };
    expect(() => parseConfig(optionsFromEnv(env), ENV_NAMES)).toThrow(
      /^CLIENT_PRIVATE_KEY is a public key/,
    );
  });

  test('is required outside local development', () => {
    refused(withKey(undefined), /clientPrivateKey is required with clientAuth=private_key_jwt/);
  });

  test('CLIENT_PRIVATE_KEY_FILE is read at startup, and a bad file names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-key-'));
    const good = join(dir, 'key.pem');
    writeFileSync(good, pem(ec.privateKey));
    const options = { ...withKey(undefined), clientPrivateKeyFile: good };
    const gatehouse = createGatehouse(options);
    expect(gatehouse.config.clientKey?.alg).toBe('ES256');
    void gatehouse.close();

    const publicFile = join(dir, 'public.pem');
    writeFileSync(publicFile, pem(ec.publicKey, 'spki'));
    expect(() => createGatehouse({ ...options, clientPrivateKeyFile: publicFile })).toThrow(
      /clientPrivateKeyFile \(.*public\.pem\) is a public key/,
    );
    expect(() => createGatehouse({ ...options, clientPrivateKeyFile: join(dir, 'nope') })).toThrow(
      /clientPrivateKeyFile: cannot read .*nope \(ENOENT\)/,
    );
    expect(() =>
      createGatehouse({
        ...options,
        clientPrivateKeyFile: good,
        clientPrivateKey: pem(ec.privateKey),
      }),
    ).toThrow(/not both/);
  });

  test('a development key is generated on a loopback issuer outside production', () => {
    const options = { ...withKey(undefined), issuer: 'http://localhost:9/oauth2/default' };
    const first = createGatehouse(options);
    const second = createGatehouse(options);
    expect(first.config.clientKey?.alg).toBe('ES256');
    // One per process: two instances publish the same key.
    expect(second.config.clientKey?.kid).toBe(first.config.clientKey?.kid);
    void first.close();
    void second.close();
    expect(() => createGatehouse({ ...options, production: true })).toThrow(
      /clientPrivateKey is required/,
    );
  });

  test('the private key is not enumerable: a configuration printed whole does not show it', () => {
    const config = parseConfig(withKey(jwk(ec.privateKey)));
    expect(JSON.stringify(config)).not.toContain(String(jwk(ec.privateKey).d));
    expect(config.clientKey?.privateJwk.d).toBe(jwk(ec.privateKey).d);
  });
});

describe('what each method needs', () => {
  test('the secret methods need the client secret', () => {
    refused(
      { ...BASE, clientSecret: undefined },
      /clientSecret is required with clientAuth=client_secret_basic/,
    );
    refused(
      { ...BASE, clientSecret: '  ', clientAuth: 'client_secret_post' },
      /clientSecret is required with clientAuth=client_secret_post/,
    );
  });

  test('private_key_jwt needs no secret, and a secret given is not kept (never sent)', () => {
    const config = parseConfig({ ...withKey(jwk(ec.privateKey)), clientSecret: 'lying-around' });
    expect(config.clientSecret).toBeUndefined();
  });

  test('tls_client_auth needs the certificate and its key', () => {
    const options: GatehouseOptions = {
      ...BASE,
      clientSecret: undefined,
      clientAuth: 'tls_client_auth',
    };
    refused(options, /clientCertificateFile is required with clientAuth=tls_client_auth/);
    refused({ ...options, clientCertificateFile: 'c.pem' }, /clientCertificateKeyFile is required/);
    expect(
      parseConfig({ ...options, clientCertificateFile: 'c.pem', clientCertificateKeyFile: 'k.pem' })
        .clientCertificate,
    ).toEqual({ certificateFile: 'c.pem', keyFile: 'k.pem' });
  });

  test('an unknown method or PAR mode is refused', () => {
    refused({ ...BASE, clientAuth: 'client_secret_jwt' as never }, /clientAuth must be one of/);
    refused({ ...BASE, par: 'sometimes' as never }, /par must be auto, on or off/);
  });

  test('the defaults: client_secret_basic, PAR auto', () => {
    expect(parseConfig(BASE)).toMatchObject({ clientAuth: 'client_secret_basic', par: 'auto' });
  });
});
