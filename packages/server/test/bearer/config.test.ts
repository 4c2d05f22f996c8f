import { ConfigError } from '@gatehouse/server';
import { describe, expect, test } from 'vitest';
import { configFromEnv as fromEnv } from './support.js';

describe('Bearer token settings', () => {
  test('default to asymmetric algorithms, any client, a 10,000-token cache and a 30 s JWKS cooldown', () => {
    const config = fromEnv();
    expect(config.accessTokenAlgorithms).toEqual([
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
      'ES256',
      'ES384',
      'ES512',
      'EdDSA',
      'Ed25519',
    ]);
    expect(config.allowedClientIds).toEqual([]);
    expect(config.accessTokenCacheSize).toBe(10_000);
    expect(config.jwksCooldown).toBe(30);
    expect(config.audience).toBe('api://default');
    expect(config.clockTolerance).toBe(30);
  });

  test('refuse opaque tokens without introspecting by default; at most 10 calls/s, 4 at once when on', () => {
    const config = fromEnv();
    expect(config.accessTokenIntrospection).toBe('off');
    expect(config.introspectionRateLimit).toBe(10);
    expect(config.introspectionConcurrency).toBe(4);
    const on = fromEnv({
      ACCESS_TOKEN_INTROSPECTION: 'On',
      INTROSPECTION_RATE_LIMIT: '2.5',
      INTROSPECTION_CONCURRENCY: '1',
    });
    expect(on.accessTokenIntrospection).toBe('on');
    expect(on.introspectionRateLimit).toBe(2.5);
    expect(on.introspectionConcurrency).toBe(1);
    expect(fromEnv({ ACCESS_TOKEN_INTROSPECTION: 'auto' }).accessTokenIntrospection).toBe('auto');
    expect(fromEnv({ ACCESS_TOKEN_INTROSPECTION: '' }).accessTokenIntrospection).toBe('off');
  });

  test('refuse a bad introspection mode, rate or concurrency, naming the variable', () => {
    expect(() => fromEnv({ ACCESS_TOKEN_INTROSPECTION: 'yes' })).toThrow(
      /ACCESS_TOKEN_INTROSPECTION must be auto, on or off, got yes/,
    );
    for (const rate of ['0', '-1', 'fast']) {
      expect(() => fromEnv({ INTROSPECTION_RATE_LIMIT: rate })).toThrow(/INTROSPECTION_RATE_LIMIT/);
    }
    for (const limit of ['0', '1.5', 'many']) {
      expect(() => fromEnv({ INTROSPECTION_CONCURRENCY: limit })).toThrow(
        /INTROSPECTION_CONCURRENCY/,
      );
    }
    expect(() => fromEnv({ INTROSPECTION_CONCURRENCY: '0' })).toThrow(ConfigError);
  });

  test('read OKTA_ALLOWED_CLIENT_IDS and ACCESS_TOKEN_ALGORITHMS as comma-separated lists', () => {
    const config = fromEnv({
      OKTA_ALLOWED_CLIENT_IDS: ' 0oa1cli , 0oa2svc,',
      ACCESS_TOKEN_ALGORITHMS: 'RS256,ES256',
      ACCESS_TOKEN_CACHE_SIZE: '0',
      JWKS_COOLDOWN: '5',
    });
    expect(config.allowedClientIds).toEqual(['0oa1cli', '0oa2svc']);
    expect(config.accessTokenAlgorithms).toEqual(['RS256', 'ES256']);
    expect(config.accessTokenCacheSize).toBe(0);
    expect(config.jwksCooldown).toBe(5);
  });

  test('refuse a symmetric or "none" algorithm, naming the variable', () => {
    for (const algorithms of ['RS256,HS256', 'none', ',']) {
      expect(() => fromEnv({ ACCESS_TOKEN_ALGORITHMS: algorithms })).toThrow(ConfigError);
    }
    expect(() => fromEnv({ ACCESS_TOKEN_ALGORITHMS: 'HS256' })).toThrow(
      /ACCESS_TOKEN_ALGORITHMS must list asymmetric/,
    );
  });

  test('refuse a bad cache size or cooldown, naming the variable', () => {
    expect(() => fromEnv({ ACCESS_TOKEN_CACHE_SIZE: '-1' })).toThrow(/ACCESS_TOKEN_CACHE_SIZE/);
    expect(() => fromEnv({ ACCESS_TOKEN_CACHE_SIZE: '1.5' })).toThrow(/ACCESS_TOKEN_CACHE_SIZE/);
    expect(() => fromEnv({ JWKS_COOLDOWN: 'soon' })).toThrow(/JWKS_COOLDOWN/);
  });
});
