import type { DevIdp } from '@gatehouse/dev-idp';
import { MemoryStore } from '@gatehouse/server';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DPoPNonces, DPOP_NONCE_STEP } from '../../src/bearer/dpop-nonce.js';
import { expressBackend, fastifyBackend, listen, testOptions } from '../bearer/support.js';
import {
  ALGS,
  boundToken,
  cliClient,
  dpop,
  dpopKey,
  proof,
  startDpopIdp,
  type DpopKey,
} from './support.js';

describe('server nonces (ACCESS_TOKEN_DPOP_NONCE): proofs cannot be made ahead of time', () => {
  let idp: DevIdp;
  let key: DpopKey;
  let token: string;
  beforeAll(async () => {
    idp = await startDpopIdp();
    key = await dpopKey();
    token = await boundToken(idp.issuer, key);
  });
  afterAll(() => idp.close());

  test('a proof without the nonce gets 401 use_dpop_nonce and a nonce; the retry with it passes', async () => {
    const sessionStore = new MemoryStore();
    const a = await fastifyBackend(
      testOptions({ issuer: idp.issuer, sessionStore, accessTokenDpopNonce: true }),
    );
    // A second instance with the same secret: it accepts the nonce A issued, nothing shared.
    const b = await fastifyBackend(
      testOptions({ issuer: idp.issuer, sessionStore, accessTokenDpopNonce: true }),
    );
    try {
      const first = await a.call('/secure-data', dpop(token, await proof({ key, token })));
      expect({ status: first.status, error: first.body.error }).toEqual({
        status: 401,
        error: 'use_dpop_nonce',
      });
      expect(first.header('www-authenticate')).toBe(
        `DPoP error="use_dpop_nonce", ${ALGS}, Bearer realm="gatehouse"`,
      );
      const nonce = first.header('dpop-nonce');
      expect(nonce).toMatch(/^[\w-]{43}$/);

      const wrong = await a.call(
        '/secure-data',
        dpop(token, await proof({ key, token, claims: { nonce: 'made-up' } })),
      );
      expect(wrong.body.error).toBe('use_dpop_nonce');

      const retry = await a.call(
        '/secure-data',
        dpop(token, await proof({ key, token, claims: { nonce } })),
      );
      expect(retry.status).toBe(200);
      const elsewhere = await b.call(
        '/secure-data',
        dpop(token, await proof({ key, token, claims: { nonce } })),
      );
      expect(elsewhere.status).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('openid-client’s DPoP handle learns the nonce from the challenge and retries on its own', async () => {
    const server = await listen();
    const backend = await expressBackend(
      testOptions({ issuer: idp.issuer, backendUrl: server.url, accessTokenDpopNonce: true }),
      server,
    );
    try {
      const cli = await cliClient(idp.issuer);
      const handle = client.getDPoPHandle(cli, (await dpopKey()).pair);
      const { access_token } = await client.clientCredentialsGrant(
        cli,
        { scope: 'api' },
        { DPoP: handle },
      );
      const response = await client.fetchProtectedResource(
        cli,
        access_token,
        new URL(`${server.url}/secure-data`),
        'GET',
        undefined,
        undefined,
        { DPoP: handle },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ via: 'bearer', sub: 'gatehouse-cli' });
    } finally {
      await backend.close();
    }
  });
});

describe('DPoPNonces: stateless nonces that rotate', () => {
  const key = randomBytes(32);
  test('a nonce is accepted in its step and the next, refused after; another key’s never', () => {
    let now = 1_000 * DPOP_NONCE_STEP * 1000;
    const nonces = new DPoPNonces(key, () => now);
    const issued = nonces.current();
    expect(nonces.accepts(issued)).toBe(true);
    now += DPOP_NONCE_STEP * 1000;
    expect(nonces.current()).not.toBe(issued);
    expect(nonces.accepts(issued)).toBe(true);
    now += DPOP_NONCE_STEP * 1000;
    expect(nonces.accepts(issued)).toBe(false);
    const other = new DPoPNonces(randomBytes(32), () => now);
    expect(other.accepts(nonces.current())).toBe(false);
    expect(nonces.accepts(undefined)).toBe(false);
    expect(nonces.accepts(42)).toBe(false);
  });
});
