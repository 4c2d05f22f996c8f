import { exportJWK, generateKeyPair } from 'jose';
import { signIn } from '@gatehouse/dev-idp/testing';
import type { GatehouseOptions } from '@gatehouse/server';
import { afterEach, describe, expect, test } from 'vitest';
import { ADA, setCookie } from '../support/stack.js';
import { SECRET, startAuthStack, type AuthStack, type Registration } from './support.js';

const givenKey = await (async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'given-rsa' });
})();

interface Method {
  name: string;
  registration: (backendUrl: string) => Registration;
  options: Partial<GatehouseOptions>;
}

const jwksUri = (backendUrl: string) => ({
  token_endpoint_auth_method: 'private_key_jwt',
  jwks_uri: `${backendUrl}/.well-known/jwks.json`,
});

const METHODS: Method[] = [
  {
    name: 'client_secret_basic',
    registration: () => ({
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: SECRET,
    }),
    options: { clientSecret: SECRET },
  },
  {
    name: 'client_secret_post',
    registration: () => ({
      token_endpoint_auth_method: 'client_secret_post',
      client_secret: SECRET,
    }),
    options: { clientAuth: 'client_secret_post', clientSecret: SECRET },
  },
  {
    name: 'private_key_jwt with a given RSA key',
    registration: jwksUri,
    options: { clientAuth: 'private_key_jwt', clientPrivateKey: givenKey },
  },
  {
    name: 'private_key_jwt with the development key',
    registration: jwksUri,
    options: { clientAuth: 'private_key_jwt' },
  },
];

let stack: AuthStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** `/login`, the provider's form, the callback: the callback's response and the login URL. */
async function signInThrough(current: AuthStack) {
  const login = await current.jar.fetch(`${current.backend.url}/login`);
  expect(login.status).toBe(302);
  const authorizationUrl = new URL(login.headers.get('location')!);
  const callback = await current.jar.fetch(await signIn(authorizationUrl, ADA, current.jar));
  return { authorizationUrl, callback };
}

describe.each(METHODS)('sign-in with $name', ({ registration, options }) => {
  // The provider registered this method: for private_key_jwt, a completed sign-in proves the
  // assertion was accepted at the token (and PAR) endpoint; oidc-provider takes either secret
  // method for a secret client, so methods.test.ts checks what each one puts on the wire.
  test.each(['on', 'off'] as const)('PAR %s', async (par) => {
    stack = await startAuthStack({ registration, options: { ...options, par } });
    const { authorizationUrl, callback } = await signInThrough(stack);
    if (par === 'on') {
      expect([...authorizationUrl.searchParams.keys()].sort()).toEqual([
        'client_id',
        'request_uri',
      ]);
    } else {
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    }
    expect(callback.status).toBe(302);
    expect(setCookie(callback, 'gatehouse')).toBeDefined();
    const me = await stack.jar.fetch(`${stack.backend.url}/me`);
    expect(me.status).toBe(200);
    expect((await me.json()).user.email).toBe(ADA.email);
  });
});

describe('pushed authorization requests', () => {
  const basic = {
    registration: { token_endpoint_auth_method: 'client_secret_basic', client_secret: SECRET },
  };

  test('PAR=auto pushes when discovery advertises the endpoint: the browser sees no parameter', async () => {
    // What PAR stops: scope, redirect_uri, state, PKCE and login hints readable or changeable
    // in the browser's URL on the way to the provider.
    stack = await startAuthStack({ ...basic, options: { clientSecret: SECRET } });
    const login = await stack.jar.fetch(`${stack.backend.url}/login?login_hint=ada%40example.com`);
    const url = new URL(login.headers.get('location')!);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(url.href).not.toContain('login_hint');
  });

  test('PAR=auto without the endpoint sends a plain authorization request', async () => {
    stack = await startAuthStack({
      ...basic,
      options: { clientSecret: SECRET },
      idpOptions: { par: false },
    });
    const { authorizationUrl, callback } = await signInThrough(stack);
    expect(authorizationUrl.searchParams.get('state')).toBeTruthy();
    expect(callback.status).toBe(302);
  });

  test('PAR=on without the endpoint is a readable 502 page and no transaction cookie', async () => {
    stack = await startAuthStack({
      ...basic,
      options: { clientSecret: SECRET, par: 'on' },
      idpOptions: { par: false },
    });
    const login = await stack.jar.fetch(`${stack.backend.url}/login`);
    expect(login.status).toBe(502);
    expect(login.headers.get('content-type')).toContain('text/html');
    expect(await login.text()).toContain('does not offer pushed authorization requests');
    expect(setCookie(login, 'gatehouse-tx')).toBeUndefined();
  });

  test('a PAR request the provider refuses (redirect URI not registered) is a 502 page, never a 500', async () => {
    stack = await startAuthStack({
      registration: {
        ...basic.registration,
        redirect_uris: ['http://localhost:5999/elsewhere'],
      },
      options: { clientSecret: SECRET, par: 'on' },
    });
    const login = await stack.jar.fetch(`${stack.backend.url}/login`);
    expect(login.status).toBe(502);
    expect(await login.text()).toContain('identity provider refused');
    expect(setCookie(login, 'gatehouse-tx')).toBeUndefined();
  });

  test('a client that must use PAR signs in with PAR=auto', async () => {
    stack = await startAuthStack({
      registration: { ...basic.registration, require_pushed_authorization_requests: true },
      options: { clientSecret: SECRET },
    });
    const { authorizationUrl, callback } = await signInThrough(stack);
    expect(authorizationUrl.searchParams.has('request_uri')).toBe(true);
    expect(callback.status).toBe(302);
  });
});

describe('a key the provider rejects (forged or rotated-out key)', () => {
  // The provider knows another public key than the one Gatehouse signs with: what an attacker
  // holding only the client id would look like.
  const otherKey = async () => {
    const { publicKey } = await generateKeyPair('ES256');
    return { ...(await exportJWK(publicKey)), kid: 'registered', alg: 'ES256' };
  };

  test('with PAR: /login is a readable 502 page, no transaction cookie', async () => {
    stack = await startAuthStack({
      registration: {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [await otherKey()] },
      },
      options: { clientAuth: 'private_key_jwt', clientPrivateKey: givenKey, par: 'on' },
    });
    const login = await stack.jar.fetch(`${stack.backend.url}/login`);
    expect(login.status).toBe(502);
    expect(await login.text()).toContain('refused the request');
    expect(setCookie(login, 'gatehouse-tx')).toBeUndefined();
  });

  test('without PAR: the callback is a readable 502 page and no session', async () => {
    stack = await startAuthStack({
      registration: {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [await otherKey()] },
      },
      options: { clientAuth: 'private_key_jwt', clientPrivateKey: givenKey, par: 'off' },
    });
    const { callback } = await signInThrough(stack);
    expect(callback.status).toBe(502);
    expect(callback.headers.get('content-type')).toContain('text/html');
    expect(setCookie(callback, 'gatehouse')).toBeUndefined();
  });
});
