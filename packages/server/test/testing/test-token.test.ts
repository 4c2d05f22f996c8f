/**
 * `signTestToken` (`@gatehouse/server/testing`): a Bearer token for an app's API tests, signed
 * with a test key derived from SESSION_SECRET. Only a Gatehouse told `trustTestTokens` (and not
 * in production) accepts it; every other one refuses it as a token of an unknown key (401).
 */
import { startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import {
  ConfigError,
  createGatehouse,
  ENV_NAMES,
  MemoryStore,
  optionsFromEnv,
  parseConfig,
  requireScope,
  type Gatehouse,
  type GatehouseOptions,
  type GatehouseRequest,
} from '@gatehouse/server';
import { signTestToken } from '@gatehouse/server/testing';
import { decodeProtectedHeader, SignJWT, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { captureLog } from '../support/stack.js';

let idp: DevIdp;
const opened: Gatehouse[] = [];
beforeAll(async () => {
  idp = await startDevIdp({ port: 0, keysFile: false, quiet: true });
});
afterAll(async () => {
  await Promise.all(opened.map((gatehouse) => gatehouse.close()));
  await idp.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const SECRET = 'test-token-secret-'.repeat(2);

function gatehouseWith(options: Partial<GatehouseOptions> = {}): Gatehouse {
  const gatehouse = createGatehouse({
    issuer: idp.issuer,
    clientId: 'app',
    clientSecret: 'app-secret',
    backendUrl: 'http://localhost:3000',
    frontendUrl: 'http://localhost:3000',
    sessionSecret: SECRET,
    sessionStore: new MemoryStore(),
    logger: captureLog().logger,
    ...options,
  });
  opened.push(gatehouse);
  return gatehouse;
}

const bearer = (token: string): GatehouseRequest => ({
  method: 'GET',
  url: '/api/orders',
  headers: { authorization: `Bearer ${token}` },
});

describe('a Gatehouse with trustTestTokens', () => {
  test('accepts a signed test token: the caller, its scopes and claims, via bearer', async () => {
    const gatehouse = gatehouseWith({ trustTestTokens: true });
    const token = await signTestToken(gatehouse, {
      sub: 'ci-bot',
      scp: ['orders:read'],
      groups: ['ops'],
      tenant: 'acme',
    });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: 'gatehouse-test-key' });
    const caller = await gatehouse.authenticate(bearer(token));
    expect(caller).toMatchObject({
      via: 'bearer',
      user: { sub: 'ci-bot', groups: ['ops'] },
      scopes: ['orders:read'],
      clientId: 'app',
    });
    expect(caller.claims.tenant).toBe('acme');
    expect(() => requireScope('orders:read')(caller)).not.toThrow();
    expect(() => requireScope('orders:write')(caller)).toThrow(
      expect.objectContaining({ code: 'ERR_INSUFFICIENT_SCOPE', status: 403 }),
    );
  });

  test('TRUST_TEST_TOKENS=true from the environment turns it on', async () => {
    const env = {
      OKTA_ISSUER_URL: idp.issuer,
      OKTA_CLIENT_ID: 'app',
      OKTA_CLIENT_SECRET: 'app-secret',
      BACKEND_URL: 'http://localhost:3000',
      FRONTEND_URL: 'http://localhost:3000',
      SESSION_SECRET: SECRET,
      TRUST_TEST_TOKENS: 'true',
    };
    const gatehouse = createGatehouse(
      { ...optionsFromEnv(env), logger: captureLog().logger },
      ENV_NAMES,
    );
    opened.push(gatehouse);
    const token = await signTestToken(gatehouse, { sub: 'ci-bot' });
    expect((await gatehouse.authenticate(bearer(token))).user.sub).toBe('ci-bot');
  });

  test('refuses an expired test token (401 ERR_ACCESS_TOKEN_EXPIRED): the usual checks hold', async () => {
    const gatehouse = gatehouseWith({ trustTestTokens: true, clockTolerance: 0 });
    const token = await signTestToken(gatehouse, { sub: 'ci-bot' }, { expiresIn: -10 });
    await expect(gatehouse.authenticate(bearer(token))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_ACCESS_TOKEN_EXPIRED',
    });
  });

  test('refuses a token for another audience (401): a test token is checked like any other', async () => {
    const gatehouse = gatehouseWith({ trustTestTokens: true });
    const token = await signTestToken(gatehouse, { sub: 'ci-bot', aud: 'api://other' });
    await expect(gatehouse.authenticate(bearer(token))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_ACCESS_TOKEN_INVALID',
    });
  });

  test('refuses a token naming the test key but signed with a key of its own (forgery, 401)', async () => {
    const gatehouse = gatehouseWith({ trustTestTokens: true });
    const { privateKey } = await generateKeyPair('EdDSA');
    const forged = await new SignJWT({ sub: 'mallory', aud: 'api://default', iss: idp.issuer })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'gatehouse-test-key' })
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(gatehouse.authenticate(bearer(forged))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_ACCESS_TOKEN_INVALID',
    });
  });

  test('refuses a test token of another SESSION_SECRET (the key is derived from it, 401)', async () => {
    const other = gatehouseWith({
      trustTestTokens: true,
      sessionSecret: 'another-secret-'.repeat(3),
    });
    const token = await signTestToken(other, { sub: 'mallory' });
    const gatehouse = gatehouseWith({ trustTestTokens: true });
    await expect(gatehouse.authenticate(bearer(token))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_ACCESS_TOKEN_INVALID',
    });
  });
});

describe('without trustTestTokens, or in production, a test token is refused', () => {
  test('a Gatehouse not told to trust test tokens refuses one (401 invalid_token), same secret', async () => {
    const token = await signTestToken(gatehouseWith({ trustTestTokens: true }), { sub: 'ci-bot' });
    const gatehouse = gatehouseWith();
    const refused = gatehouse.authenticate(bearer(token));
    await expect(refused).rejects.toMatchObject({ status: 401, code: 'ERR_ACCESS_TOKEN_INVALID' });
  });

  test('signTestToken refuses a Gatehouse that does not trust test tokens, naming the option', async () => {
    await expect(signTestToken(gatehouseWith(), { sub: 'ci-bot' })).rejects.toThrow(
      'signTestToken: this Gatehouse does not trust test tokens; create it with trustTestTokens: true (TRUST_TEST_TOKENS=true) in the tests',
    );
  });

  test('TRUST_TEST_TOKENS with NODE_ENV=production stops the server at startup (ConfigError)', () => {
    const env = {
      OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
      OKTA_CLIENT_ID: 'app',
      OKTA_CLIENT_SECRET: 'a-real-secret',
      BACKEND_URL: 'https://api.example.com',
      FRONTEND_URL: 'https://app.example.com',
      SESSION_SECRET: SECRET,
      NODE_ENV: 'production',
      TRUST_TEST_TOKENS: 'true',
    };
    expect(() => parseConfig(optionsFromEnv(env), ENV_NAMES)).toThrow(
      new ConfigError(
        "TRUST_TEST_TOKENS is for an app's tests, refused in production (NODE_ENV=production): a test token names any user and scope",
      ),
    );
    expect(() =>
      parseConfig(optionsFromEnv({ ...env, TRUST_TEST_TOKENS: 'false' }), ENV_NAMES),
    ).not.toThrow();
  });

  test('NODE_ENV=production wins over options that say otherwise: the verifier trusts no test key', async () => {
    const token = await signTestToken(gatehouseWith({ trustTestTokens: true }), { sub: 'ci-bot' });
    vi.stubEnv('NODE_ENV', 'production');
    const gatehouse = gatehouseWith({ trustTestTokens: true, production: false });
    await expect(gatehouse.authenticate(bearer(token))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_ACCESS_TOKEN_INVALID',
    });
  });

  test('signTestToken refuses to run with NODE_ENV=production (ConfigError)', async () => {
    const gatehouse = gatehouseWith({ trustTestTokens: true });
    vi.stubEnv('NODE_ENV', 'production');
    const attempt = signTestToken(gatehouse, { sub: 'ci-bot' });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(
      "signTestToken is for an app's tests and refuses to run with NODE_ENV=production",
    );
  });
});
