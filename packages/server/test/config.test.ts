import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '@gatehouse/server';
import { baseOptions, configFromEnv } from './support/config-fixture.js';

describe('configuration', () => {
  test('is frozen and derives the redirect URI, cookie names and origins', () => {
    const config = parseConfig(baseOptions);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.redirectUri).toBe('https://api.example.com/signin-oidc');
    expect(config.sessionCookie).toBe('__Host-gatehouse');
    expect(config.frontendOrigin).toBe('https://app.example.com');
    expect(config.audience).toBe('api://default');
    expect(config.idleTimeout).toBe(3600);
    expect(config.absoluteTimeout).toBe(43200);
  });

  test('errors name the environment variable the value came from', () => {
    expect(() => configFromEnv({ OKTA_ISSUER_URL: undefined })).toThrow(
      /OKTA_ISSUER_URL is required/,
    );
    expect(() => configFromEnv({ BACKEND_URL: 'not a url' })).toThrow(
      /BACKEND_URL must be an absolute URL/,
    );
    expect(() => configFromEnv({ SESSION_SECRET: 'short' })).toThrow(
      /SESSION_SECRET must be at least 32 characters/,
    );
    expect(() => configFromEnv({ SESSION_IDLE_TIMEOUT: 'soon' })).toThrow(
      /SESSION_IDLE_TIMEOUT must be a number/,
    );
    expect(() => configFromEnv({ ACCESS_TOKEN_INTROSPECTION: 'maybe' })).toThrow(
      /ACCESS_TOKEN_INTROSPECTION must be auto, on or off/,
    );
    expect(() => configFromEnv({ SESSION_STORE: undefined, OKTA_CLIENT_SECRET: '' })).toThrow(
      ConfigError,
    );
  });

  test('an http issuer is refused unless it is on loopback (tokens would cross the network in clear)', () => {
    expect(() =>
      configFromEnv({ OKTA_ISSUER_URL: 'http://dev-1.okta.com/oauth2/default' }),
    ).toThrow(/OKTA_ISSUER_URL must be an https URL/);
    expect(configFromEnv({ OKTA_ISSUER_URL: 'http://localhost:7157/oauth2/default' }).dev).toBe(
      true,
    );
    expect(configFromEnv({ OKTA_ISSUER_URL: 'http://127.0.0.1:7157/oauth2/default' }).dev).toBe(
      true,
    );
  });

  test('SESSION_SECRET is required outside local development', () => {
    expect(() => configFromEnv({ SESSION_SECRET: undefined })).toThrow(
      /SESSION_SECRET is required outside local development/,
    );
    expect(() =>
      configFromEnv({
        SESSION_SECRET: undefined,
        NODE_ENV: 'production',
        OKTA_ISSUER_URL: 'http://localhost:7157/oauth2/default',
      }),
    ).toThrow(/SESSION_SECRET is required/);
  });

  test('cookies are Secure with the __Host- prefix on https only', () => {
    const http = configFromEnv({
      BACKEND_URL: 'http://localhost:7156',
      OKTA_ISSUER_URL: 'http://localhost:7157/oauth2/default',
    });
    expect(http.secureCookies).toBe(false);
    expect(http.sessionCookie).toBe('gatehouse');
  });

  test('an idle timeout longer than the absolute one is a mistake', () => {
    expect(() =>
      configFromEnv({ SESSION_IDLE_TIMEOUT: '100', SESSION_ABSOLUTE_TIMEOUT: '50' }),
    ).toThrow(/SESSION_IDLE_TIMEOUT \(100s\) cannot be longer than SESSION_ABSOLUTE_TIMEOUT/);
  });

  test('different secrets derive different keys', () => {
    const a = parseConfig(baseOptions);
    const b = parseConfig({ ...baseOptions, sessionSecret: 'y'.repeat(32) });
    expect(a.keys.tokens[0]!.key.equals(b.keys.tokens[0]!.key)).toBe(false);
    expect(a.keys.tokens[0]!.id).not.toBe(b.keys.tokens[0]!.id);
    expect(a.keys.tokens[0]!.key.equals(a.keys.transaction[0]!)).toBe(false);
  });

  test('SESSION_SECRET lists the current secret first, then previous ones (rotation)', () => {
    const rotated = configFromEnv({ SESSION_SECRET: `${'y'.repeat(32)}, ${'x'.repeat(32)}` });
    const old = parseConfig(baseOptions);
    expect(rotated.keys.tokens.map((key) => key.id)).toEqual([
      parseConfig({ ...baseOptions, sessionSecret: 'y'.repeat(32) }).keys.tokens[0]!.id,
      old.keys.tokens[0]!.id,
    ]);
    expect(rotated.keys.transaction).toHaveLength(2);
    expect(
      parseConfig({ ...baseOptions, sessionSecret: ['y'.repeat(32), 'x'.repeat(32)] }).keys.tokens,
    ).toEqual(rotated.keys.tokens);
  });

  test('a short previous secret is named by its place in the list', () => {
    expect(() => configFromEnv({ SESSION_SECRET: `${'y'.repeat(32)},short` })).toThrow(
      'SESSION_SECRET must be at least 32 characters (secret 2 of 2), got 5',
    );
  });
});
