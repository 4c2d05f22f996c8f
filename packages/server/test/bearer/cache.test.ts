import { parseConfig, type Config, type GatehouseOptions } from '@gatehouse/server';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TokenCache } from '../../src/bearer/cache.js';
import type { KeySource } from '../../src/bearer/keys.js';
import { BearerVerifier } from '../../src/bearer/verifier.js';
import { Discovery } from '../../src/provider/discovery.js';
import { epoch, silent, startFakeIssuer, testOptions } from './support.js';

describe('the token cache', () => {
  test('keeps an entry until its expiry, then forgets it', () => {
    const cache = new TokenCache<{ expiresAt: number }>(10);
    cache.set('live', { expiresAt: epoch() + 60 });
    cache.set('dead', { expiresAt: epoch() - 1 });
    expect(cache.get('live')).toBeDefined();
    expect(cache.get('dead')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  test('is bounded: a flood of distinct tokens never grows it past its size', () => {
    const cache = new TokenCache<{ expiresAt: number }>(100);
    for (let i = 0; i < 10_000; i++) cache.set(`token-${i}`, { expiresAt: epoch() + 60 });
    expect(cache.size).toBe(100);
    expect(cache.get('token-0')).toBeUndefined();
    expect(cache.get('token-9999')).toBeDefined();
  });

  test('size 0 turns it off', () => {
    const cache = new TokenCache<{ expiresAt: number }>(0);
    cache.set('a', { expiresAt: epoch() + 60 });
    expect(cache.get('a')).toBeUndefined();
  });
});

describe('a verified JWT is cached by hash until its exp', () => {
  let idp: Awaited<ReturnType<typeof startFakeIssuer>>;
  let signatureChecks = 0;
  let keys: KeySource;
  beforeAll(async () => {
    idp = await startFakeIssuer();
    const local = createLocalJWKSet({ keys: idp.keys });
    const getKey: JWTVerifyGetKey = (header, token) => {
      signatureChecks++;
      return local(header, token);
    };
    keys = { load: async () => ({ issuer: idp.issuer, getKey }) };
  });
  afterAll(() => idp.close());

  const verifier = (options: Partial<GatehouseOptions> = {}) => {
    const config: Config = parseConfig(testOptions({ issuer: idp.issuer, ...options }));
    return new BearerVerifier(config, new Discovery(config, silent), keys);
  };

  test('a repeated token costs no second signature check; concurrent ones share one', async () => {
    const bearer = verifier();
    const header = `Bearer ${await idp.sign()}`;
    signatureChecks = 0;
    const [first, ...others] = await Promise.all(
      Array.from({ length: 10 }, () => bearer.verify(header)),
    );
    for (let i = 0; i < 100; i++) expect(await bearer.verify(header)).toBe(first);
    expect(others.every((principal) => principal === first)).toBe(true);
    expect(signatureChecks).toBe(1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first!.accessToken()).toBe(header.slice(7));
  });

  test('a token past its exp is checked again (and refused), not served from the cache', async () => {
    const bearer = verifier({ clockTolerance: 0 });
    const header = `Bearer ${await idp.sign({ exp: epoch() + 1 })}`;
    await bearer.verify(header);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    signatureChecks = 0;
    await expect(bearer.verify(header)).rejects.toMatchObject({
      code: 'ERR_ACCESS_TOKEN_EXPIRED',
      status: 401,
    });
    expect(signatureChecks).toBe(1);
  });

  test('a refused token is not cached: each try is checked', async () => {
    const bearer = verifier();
    const header = `Bearer ${await idp.sign({ aud: 'api://other' })}`;
    signatureChecks = 0;
    await expect(bearer.verify(header)).rejects.toMatchObject({ code: 'ERR_ACCESS_TOKEN_INVALID' });
    await expect(bearer.verify(header)).rejects.toMatchObject({ code: 'ERR_ACCESS_TOKEN_INVALID' });
    expect(signatureChecks).toBe(2);
  });
});
