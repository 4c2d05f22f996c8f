/**
 * Several providers against the dev IdP's two tenants (`/oauth2/default` and `/oauth2/acme`),
 * black box: each provider authenticates to its own token endpoint its own way (the default
 * with the shared client_secret_basic, Acme with private_key_jwt and its own key), the user
 * names its issuer, sign-out goes to the session's own provider, and readiness reports each.
 */
import { type DevIdp } from '@gatehouse/dev-idp';
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { createGatehouse, MemoryStore, type GatehouseOptions } from '@gatehouse/server';
import { decodeJwt } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADA,
  captureLog,
  freePort,
  signInThroughBackend,
  startBackend,
  webClient,
  type Backend,
  startTestIdp,
} from '../support/stack.js';

const ACME_ADA = { email: 'ada@acme.example', password: 'ada-acme-password' };
const FRONTEND = 'http://localhost:5999';
const acmeKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  format: 'jwk',
});

let idp: DevIdp;
let acmeIssuer: string;
let backend: Backend;
let options: GatehouseOptions;

beforeAll(async () => {
  const port = await freePort();
  const backendUrl = `http://localhost:${port}`;
  idp = await startTestIdp({
    clients: [webClient(backendUrl, FRONTEND)],
    tenants: [
      {
        id: 'acme',
        // Acme's registration accepts only a client assertion signed with a key of the
        // backend's JWKS route: a client secret is refused.
        clients: [
          {
            client_id: 'acme-app',
            token_endpoint_auth_method: 'private_key_jwt',
            jwks_uri: `${backendUrl}/.well-known/jwks.json`,
            grant_types: ['authorization_code', 'refresh_token'],
            redirect_uris: [`${backendUrl}/signin-oidc`],
            post_logout_redirect_uris: [FRONTEND],
          },
        ],
      },
    ],
  });
  acmeIssuer = idp.tenants[0]!.issuer;
  options = {
    issuer: idp.issuer,
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    providers: [
      {
        id: 'acme',
        issuer: acmeIssuer,
        clientId: 'acme-app',
        clientAuth: 'private_key_jwt',
        clientPrivateKey: acmeKey,
        domains: ['acme.example'],
      },
    ],
    backendUrl,
    frontendUrl: FRONTEND,
    sessionSecret: 'test-secret-'.repeat(4),
    sessionStore: new MemoryStore(),
    logger: captureLog().logger,
  };
  backend = await startBackend('fastify', port, options);
});
afterAll(async () => {
  await backend?.close();
  await idp?.close();
});

async function signedIn(query: string, credentials: typeof ADA) {
  const jar = new CookieJar();
  const callback = await signInThroughBackend({ backend, jar }, { query, credentials });
  expect(callback.status, await callback.clone().text()).toBe(302);
  const me = await jar.fetch(`${backend.url}/me`);
  expect(me.status).toBe(200);
  return { jar, user: ((await me.json()) as { user: Record<string, unknown> }).user };
}

describe('each provider authenticates to its token endpoint its own way (clientAuth per provider)', () => {
  test('the default with the shared client_secret_basic, Acme with private_key_jwt: both sign in', async () => {
    const atDefault = await signedIn('?provider=default', ADA);
    expect(atDefault.user.sub).toBeDefined();
    const atAcme = await signedIn('?login_hint=ada%40acme.example', ACME_ADA);
    expect(atAcme.user.email).toBe('ada@acme.example');
  });

  test('the JWKS route publishes Acme’s public key, never its private part', async () => {
    const response = await fetch(`${backend.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', x: acmeKey.x, y: acmeKey.y });
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('user.iss: the user names the issuer that signed it in', () => {
  test('/me of a session at each provider answers that provider’s issuer', async () => {
    expect((await signedIn('?provider=default', ADA)).user.iss).toBe(idp.issuer);
    expect((await signedIn('?provider=acme', ACME_ADA)).user.iss).toBe(acmeIssuer);
  });
  // One provider: no iss, as before (hostile/sign-in.test.ts checks /me's user exactly).
});

describe('RP-initiated logout goes to the session’s own provider', () => {
  async function signOut(jar: CookieJar) {
    const response = await jar.fetch(`${backend.url}/logout`, {
      method: 'POST',
      headers: { 'x-csrf': '1' },
    });
    expect(response.status).toBe(200);
    const { endSessionUrl } = (await response.json()) as { endSessionUrl: string };
    return new URL(endSessionUrl);
  }

  test('a session made at Acme signs out at Acme’s end_session_endpoint, with Acme’s ID token', async () => {
    const { jar } = await signedIn('?provider=acme', ACME_ADA);
    const url = await signOut(jar);
    expect(`${url.origin}${url.pathname}`).toBe(`${acmeIssuer}/v1/logout`);
    expect(decodeJwt(url.searchParams.get('id_token_hint')!).iss).toBe(acmeIssuer);
  });

  test('a session made at the default provider signs out at the default’s', async () => {
    const { jar } = await signedIn('?provider=default', ADA);
    const url = await signOut(jar);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/v1/logout`);
    expect(decodeJwt(url.searchParams.get('id_token_hint')!).iss).toBe(idp.issuer);
  });
});

describe('readiness reports each provider', () => {
  test('both up: ready, each provider ok by id', async () => {
    const answer = await backend.gatehouse.readiness(2000);
    expect(answer).toEqual({
      ready: true,
      discovery: 'ok',
      store: 'ok',
      providers: { default: 'ok', acme: 'ok' },
    });
  });

  test('one provider down: still ready, and the down one is named', async () => {
    const gatehouse = createGatehouse({
      ...options,
      providers: [
        ...options.providers!,
        { id: 'gone', issuer: 'http://127.0.0.1:9/oauth2/gone', clientId: 'x', clientSecret: 'y' },
      ],
    });
    try {
      const answer = await gatehouse.readiness(500);
      expect(answer.ready).toBe(true);
      expect(answer.providers).toMatchObject({ default: 'ok', acme: 'ok' });
      expect(answer.providers?.gone).toMatch(/^not loaded: /);
    } finally {
      await gatehouse.close();
    }
  });

  test('every provider down: not ready, each named', async () => {
    const gatehouse = createGatehouse({
      ...options,
      issuer: 'http://127.0.0.1:9/oauth2/default',
      providers: [
        { id: 'gone', issuer: 'http://127.0.0.1:9/oauth2/gone', clientId: 'x', clientSecret: 'y' },
      ],
    });
    try {
      const answer = await gatehouse.readiness(500);
      expect(answer.ready).toBe(false);
      expect(answer.providers?.default).toMatch(/^not loaded: /);
      expect(answer.providers?.gone).toMatch(/^not loaded: /);
    } finally {
      await gatehouse.close();
    }
  });
});
