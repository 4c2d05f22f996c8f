/**
 * Issue 14, login parameters: `/login` passes an allow-listed set of authorization parameters
 * to the provider, over the configured `authorizationParams`; anything else is a readable 400
 * page that sets no cookie and never reaches the provider.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, optionsFromEnv, parseConfig } from '@gatehouse/server';
import { startStack, type Stack } from '../support/stack.js';

const BASE = {
  issuer: 'https://id.example.com',
  clientId: 'client',
  clientSecret: 'secret',
  backendUrl: 'https://api.example.com',
  frontendUrl: 'https://app.example.com',
  sessionSecret: 'x'.repeat(32),
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    options: {
      loginParams: ['screen_hint', 'connection'],
      authorizationParams: { audience: 'api://orders', connection: 'corp-ad' },
    },
  });
});
afterAll(() => stack.close());

async function login(query: string): Promise<Response> {
  return fetch(`${stack.backend.url}/login${query}`, { redirect: 'manual' });
}

async function authorizeParams(query: string): Promise<URLSearchParams> {
  const response = await login(query);
  expect(response.status, await response.clone().text()).toBe(302);
  return new URL(response.headers.get('location')!).searchParams;
}

async function expectRefused(query: string, text: string): Promise<void> {
  const response = await login(query);
  const html = await response.text();
  expect(response.status, html).toBe(400);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('set-cookie')).toBeNull();
  expect(html).toContain('Sign-in did not complete');
  expect(html).toContain(text);
}

describe('/login passes the allow-listed parameters', () => {
  test('prompt, login_hint, acr_values, max_age, ui_locales and organization reach the provider', async () => {
    const params = await authorizeParams(
      '?returnTo=/orders&prompt=login&login_hint=ada%40example.com&acr_values=mfa%20phr&max_age=300&ui_locales=en-GB&organization=org_123',
    );
    expect(params.get('prompt')).toBe('login');
    expect(params.get('login_hint')).toBe('ada@example.com');
    expect(params.get('acr_values')).toBe('mfa phr');
    expect(params.get('max_age')).toBe('300');
    expect(params.get('ui_locales')).toBe('en-GB');
    expect(params.get('organization')).toBe('org_123');
    expect(params.has('returnTo')).toBe(false);
    expect(params.has('popup')).toBe(false);
  });

  test('a name added by loginParams is allowed', async () => {
    expect((await authorizeParams('?screen_hint=signup')).get('screen_hint')).toBe('signup');
  });

  test('authorizationParams go on every sign-in; a request may repeat one, not replace it', async () => {
    const fixed = await authorizeParams('');
    expect(fixed.get('audience')).toBe('api://orders');
    expect(fixed.get('connection')).toBe('corp-ad');
    expect((await authorizeParams('?connection=corp-ad')).getAll('connection')).toEqual([
      'corp-ad',
    ]);
    await expectRefused(
      '?connection=github',
      'The sign-in parameter connection is set by the application and cannot be changed.',
    );
  });

  test('Gatehouse still sets client_id, redirect_uri, response_type, scope, state, nonce and PKCE', async () => {
    const params = await authorizeParams('?prompt=consent');
    expect(params.get('client_id')).toBe('gatehouse-test');
    expect(params.get('redirect_uri')).toBe(`${stack.backend.url}/signin-oidc`);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('state')).toMatch(/^[\w-]{43}$/);
    expect(params.get('nonce')).toMatch(/^[\w-]{43}$/);
  });
});

describe('/login refuses any other parameter with a 400 page', () => {
  test.each([
    'redirect_uri=https%3A%2F%2Fevil.example%2Fcb',
    'response_type=token',
    'response_mode=fragment',
    'client_id=another-client',
    'state=attacker-state',
    'nonce=attacker-nonce',
    'code_challenge=abc',
    'code_challenge_method=plain',
    'scope=openid%20admin',
    'request_uri=urn%3Aevil',
  ])('a request can never set %s', async (query) => {
    await expectRefused(`?${query}`, 'is set by the application only');
  });

  test('an unknown parameter', async () => {
    await expectRefused('?audience=api%3A%2F%2Fadmin', 'Unknown sign-in parameter: audience');
  });

  test('an oversized value', async () => {
    await expectRefused(`?login_hint=${'a'.repeat(257)}`, 'login_hint is too long or malformed');
  });

  test('a control character in a value', async () => {
    await expectRefused('?login_hint=ada%0Aexample', 'login_hint is too long or malformed');
  });

  test('a parameter given twice', async () => {
    await expectRefused('?prompt=login&prompt=none', 'prompt is given more than once');
  });

  test.each(['none%20login', 'always'])('prompt=%s', async (prompt) => {
    await expectRefused(`?prompt=${prompt}`, 'prompt is not one the provider knows');
  });

  test.each(['-1', '1e3', 'soon'])('max_age=%s', async (maxAge) => {
    await expectRefused(`?max_age=${maxAge}`, 'max_age must be a number of seconds');
  });
});

describe('the configuration of login parameters', () => {
  test.each(['state', 'redirect_uri', 'nonce', 'returnTo', 'scope', 'bad name'])(
    'loginParams cannot name %s',
    (name) => {
      expect(() => parseConfig({ ...BASE, loginParams: [name] })).toThrow(ConfigError);
    },
  );

  test('authorizationParams cannot set redirect_uri or code_challenge', () => {
    for (const name of ['redirect_uri', 'code_challenge']) {
      expect(() => parseConfig({ ...BASE, authorizationParams: { [name]: 'x' } })).toThrow(
        ConfigError,
      );
    }
  });

  test('both come from the environment: LOGIN_PARAMS (a list), AUTHORIZATION_PARAMS (a query string)', () => {
    const options = optionsFromEnv({
      OKTA_ISSUER_URL: BASE.issuer,
      OKTA_CLIENT_ID: 'client',
      OKTA_CLIENT_SECRET: 'secret',
      BACKEND_URL: BASE.backendUrl,
      FRONTEND_URL: BASE.frontendUrl,
      SESSION_SECRET: BASE.sessionSecret,
      LOGIN_PARAMS: 'screen_hint, connection',
      AUTHORIZATION_PARAMS: 'audience=api%3A%2F%2Forders&organization=org_1',
    });
    const config = parseConfig(options);
    expect(config.allowedLoginParams).toContain('screen_hint');
    expect(config.allowedLoginParams).toContain('connection');
    expect(config.allowedLoginParams).toContain('login_hint');
    expect(config.authorizationParams).toEqual({ audience: 'api://orders', organization: 'org_1' });
  });
});
