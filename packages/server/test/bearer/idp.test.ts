import { type DevIdp } from '@gatehouse/dev-idp';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  CLI,
  cliToken,
  expectInvalidToken,
  fastifyBackend,
  sleep,
  testClients,
  testOptions,
  userTokens,
} from './support.js';
import { startTestIdp } from '../support/stack.js';

type Backend = Awaited<ReturnType<typeof fastifyBackend>>;

describe('access tokens from the dev IdP (JWT, as Okta issues them)', () => {
  let idp: DevIdp;
  let backend: Backend;
  beforeAll(async () => {
    idp = await startTestIdp({
      clients: testClients(),
    });
    backend = await fastifyBackend(testOptions({ issuer: idp.issuer, jwksCooldown: 0.2 }));
  });
  afterAll(async () => {
    await backend.close();
    await idp.close();
  });

  test('a client-credentials token is accepted with its scp scopes', async () => {
    const answer = await backend.call('/secure-data', bearer(await cliToken(idp.issuer)));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      via: 'bearer',
      sub: 'gatehouse-cli',
      scopes: ['api'],
      groups: [],
    });
  });

  test('a user’s access token is accepted, its sub the user’s login as at Okta', async () => {
    const tokens = await userTokens(idp.issuer);
    const answer = await backend.call('/secure-data', bearer(tokens.access_token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ via: 'bearer', sub: 'ada@example.com' });
  });

  test('HS256 signed with the client secret (ours or the CLI’s) and the real claims', async () => {
    const real = await cliToken(idp.issuer);
    const { kid } = decodeProtectedHeader(real);
    for (const secret of [CLI.client_secret, 'gatehouse-test-secret']) {
      const forged = await new SignJWT(decodeJwt(real))
        .setProtectedHeader({ alg: 'HS256', kid })
        .sign(new TextEncoder().encode(secret));
      expectInvalidToken(await backend.call('/secure-data', bearer(forged)));
    }
  });

  test('an ID token sent as an access token, even to an API whose audience is the client id', async () => {
    const { id_token } = await userTokens(idp.issuer);
    expectInvalidToken(await backend.call('/secure-data', bearer(id_token!)));
    const misconfigured = await fastifyBackend(
      testOptions({ issuer: idp.issuer, audience: 'gatehouse-test' }),
    );
    try {
      expectInvalidToken(await misconfigured.call('/secure-data', bearer(id_token!)));
    } finally {
      await misconfigured.close();
    }
  });

  test('key rotation during a run: tokens signed with the new key are accepted without a restart', async () => {
    const before = await cliToken(idp.issuer);
    expect((await backend.call('/secure-data', bearer(before))).status).toBe(200);
    await idp.rotateKeys();
    const after = await cliToken(idp.issuer);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    await sleep(250); // JWKS_COOLDOWN in this test: 0.2 s
    expect((await backend.call('/secure-data', bearer(after))).status).toBe(200);
    expect((await backend.call('/secure-data', bearer(before))).status).toBe(200);
  });
});

describe('opaque access tokens, by introspection (RFC 7662)', () => {
  let idp: DevIdp;
  let backend: Backend;
  beforeAll(async () => {
    idp = await startTestIdp({
      clients: testClients(),
      accessTokenFormat: 'opaque',
    });
    backend = await fastifyBackend(
      testOptions({ issuer: idp.issuer, accessTokenIntrospection: 'on' }),
    );
  });
  afterAll(async () => {
    await backend.close();
    await idp.close();
  });

  test('an opaque token is introspected, then served from the cache until its exp', async () => {
    const token = await cliToken(idp.issuer);
    expect(token).not.toContain('.');
    const answer = await backend.call('/secure-data', bearer(token));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      via: 'bearer',
      sub: 'gatehouse-cli',
      scopes: ['api'],
      groups: [],
    });

    // Revoked at the provider: the cached result still answers (the cost of caching until
    // exp), a backend without it asks the provider and refuses.
    const cli = await client.discovery(
      new URL(idp.issuer),
      CLI.client_id,
      CLI.client_secret,
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    );
    await client.tokenRevocation(cli, token);
    expect((await backend.call('/secure-data', bearer(token))).status).toBe(200);
    const fresh = await fastifyBackend(
      testOptions({ issuer: idp.issuer, accessTokenIntrospection: 'on' }),
    );
    try {
      expectInvalidToken(await fresh.call('/secure-data', bearer(token)));
    } finally {
      await fresh.close();
    }
  });

  test('a user’s opaque token carries the user', async () => {
    const tokens = await userTokens(idp.issuer);
    const answer = await backend.call('/secure-data', bearer(tokens.access_token));
    expect(answer.status).toBe(200);
    // The dev IdP's introspection names the user by id (its JWTs by login, as Okta's do).
    expect(answer.body).toMatchObject({ via: 'bearer', sub: '00u1ada' });
  });

  test('a refresh token sent as an access token', async () => {
    const { refresh_token } = await userTokens(idp.issuer);
    expectInvalidToken(await backend.call('/secure-data', bearer(refresh_token!)));
  });

  test('an unknown opaque token', async () => {
    expectInvalidToken(
      await backend.call('/secure-data', bearer('not-a-token-the-provider-issued')),
    );
  });
});
