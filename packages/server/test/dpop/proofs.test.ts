import type { DevIdp } from '@gatehouse/dev-idp';
import { createGatehouse } from '@gatehouse/server';
import { requireAuth } from '@gatehouse/server/express';
import express from 'express';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  b64,
  bearer,
  cliToken,
  epoch,
  expressBackend,
  listen,
  testOptions,
  type Call,
} from '../bearer/support.js';
import {
  ALGS,
  BACKEND,
  boundToken,
  dpop,
  dpopKey,
  expectDpopInvalidToken,
  expectInvalidProof,
  proof,
  startBoundBackend,
  startDpopIdp,
  type DpopKey,
} from './support.js';

describe('DPoP-bound access tokens at the resource server (RFC 9449)', () => {
  let idp: DevIdp;
  let call: Call;
  let close: () => Promise<void>;
  let key: DpopKey;
  let token: string;

  beforeAll(async () => {
    ({ idp, call, close, key, token } = await startBoundBackend());
  });
  afterAll(() => close());

  test('a DPoP-bound token with a fresh proof is accepted, again and again with new proofs', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await call('/secure-data', dpop(token, await proof({ key, token })));
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ via: 'bearer', sub: 'gatehouse-cli', scopes: ['api'] });
    }
  });

  test('the URL is compared as RFC 9449 4.3 says: no query, normalized case, escapes and port', async () => {
    const answer = await call(
      '/secure-data?page=2',
      dpop(token, await proof({ key, token, url: 'HTTP://LocalHost:4998/%73ecure-data' })),
    );
    expect(answer.status).toBe(200);
  });

  test('replay: the same proof twice is refused the second time', async () => {
    const once = await proof({ key, token });
    expect((await call('/secure-data', dpop(token, once))).status).toBe(200);
    expectInvalidProof(await call('/secure-data', dpop(token, once)));
  });

  test('replay: a new proof that reuses a jti already seen is refused', async () => {
    const jti = `jti-${epoch()}-${Math.random()}`;
    expect(
      (await call('/secure-data', dpop(token, await proof({ key, token, claims: { jti } }))))
        .status,
    ).toBe(200);
    expectInvalidProof(
      await call('/secure-data', dpop(token, await proof({ key, token, claims: { jti } }))),
    );
  });

  test('a proof for another method (captured on a GET, replayed as a POST) is refused', async () => {
    expectInvalidProof(
      await call('/secure-data', dpop(token, await proof({ key, token })), 'POST'),
    );
    expectInvalidProof(
      await call('/secure-data', dpop(token, await proof({ key, token, method: 'get' }))),
    );
  });

  test('a proof for another URL (another path, host, port or scheme) is refused', async () => {
    for (const url of [
      `${BACKEND}/admins`,
      `${BACKEND}/secure-data/x`,
      'http://localhost:4999/secure-data',
      'http://evil.example/secure-data',
      'https://localhost:4998/secure-data',
      'not a url',
    ]) {
      expectInvalidProof(await call('/secure-data', dpop(token, await proof({ key, token, url }))));
    }
  });

  test('a stale or future proof (iat beyond the window and clock tolerance) is refused', async () => {
    for (const iat of [epoch() - 200, epoch() + 200]) {
      expectInvalidProof(
        await call('/secure-data', dpop(token, await proof({ key, token, claims: { iat } }))),
      );
    }
    const recent = await proof({ key, token, claims: { iat: epoch() - 30 } });
    expect((await call('/secure-data', dpop(token, recent))).status).toBe(200);
  });

  test('a proof made for another token (wrong or missing ath) is refused', async () => {
    for (const ath of ['x'.repeat(43), undefined]) {
      expectInvalidProof(
        await call('/secure-data', dpop(token, await proof({ key, token, claims: { ath } }))),
      );
    }
  });

  test('a stolen bound token with a proof of the thief’s own key (not cnf.jkt) is refused', async () => {
    const thief = await dpopKey();
    expectDpopInvalidToken(
      await call('/secure-data', dpop(token, await proof({ key: thief, token }))),
    );
  });

  test('a proof signed with none or HS256, or claiming a key it was not signed with, is refused', async () => {
    const claims = { jti: 'x', htm: 'GET', htu: `${BACKEND}/secure-data`, iat: epoch() };
    const unsigned = `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })}.${b64(claims)}.`;
    const secret = new TextEncoder().encode('a-shared-secret-of-32-bytes-long!');
    const hs256 = await new SignJWT(claims)
      // The HMAC key in the header, or the holder's public key read as an HMAC secret.
      .setProtectedHeader({
        alg: 'HS256',
        typ: 'dpop+jwt',
        jwk: { kty: 'oct', k: 'c2VjcmV0' } as never,
      })
      .sign(secret);
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
      .sign(new TextEncoder().encode(JSON.stringify(key.jwk)));
    const noneSigned = `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })}.${b64(claims)}.AAAA`;
    const otherKey = await dpopKey();
    const forged = await proof({ key, token, signWith: otherKey.privateKey });
    for (const bad of [unsigned, noneSigned, hs256, confused, forged]) {
      expectInvalidProof(await call('/secure-data', dpop(token, bad)));
    }
  });

  test('a proof without typ dpop+jwt (another JWT), or with a private key in jwk, is refused', async () => {
    const jwt = await proof({ key, token, header: { typ: 'JWT' } });
    const privateJwk = { ...key.jwk, d: 'AAAA' };
    const leaky = await proof({ key, token, header: { jwk: privateJwk } });
    for (const bad of [jwt, leaky])
      expectInvalidProof(await call('/secure-data', dpop(token, bad)));
  });

  test('a missing proof, an empty one, or two proofs in one request are refused', async () => {
    expectInvalidProof(await call('/secure-data', { authorization: `DPoP ${token}` }));
    expectInvalidProof(await call('/secure-data', dpop(token, '')));
    const two = `${await proof({ key, token })}, ${await proof({ key, token })}`;
    expectInvalidProof(await call('/secure-data', dpop(token, two)));
  });

  test('a stolen DPoP-bound token sent as Bearer, without its key, is refused', async () => {
    const answer = await call('/secure-data', bearer(token));
    expect({ status: answer.status, error: answer.body.error }).toEqual({
      status: 401,
      error: 'invalid_token',
    });
    expect(answer.header('www-authenticate')).toBe(
      `Bearer realm="gatehouse", error="invalid_token", DPoP ${ALGS}`,
    );
  });

  test('a token that is not DPoP-bound, sent with the DPoP scheme, is refused', async () => {
    const plain = await cliToken(idp.issuer);
    expectDpopInvalidToken(
      await call('/secure-data', dpop(plain, await proof({ key, token: plain }))),
    );
    expect((await call('/secure-data', bearer(plain))).status).toBe(200);
  });

  test('a forged token with a valid proof is refused with the DPoP challenge', async () => {
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64({ sub: 'admin', cnf: { jkt: key.jkt } })}.${signature}`;
    expectDpopInvalidToken(
      await call('/secure-data', dpop(forged, await proof({ key, token: forged }))),
    );
  });
});

describe('DPoP over a real HTTP server (Express), htu from BACKEND_URL', () => {
  test('behind a router mounted at /api, the htu is the full path the client called', async () => {
    const idp = await startDpopIdp();
    const server = await listen();
    const gatehouse = createGatehouse(testOptions({ issuer: idp.issuer, backendUrl: server.url }));
    const app = express();
    const api = express.Router();
    api.get(
      '/secure-data',
      requireAuth(gatehouse),
      (req, res) => void res.json({ via: req.auth!.via }),
    );
    app.use('/api', api);
    server.listener = app;
    try {
      const key = await dpopKey();
      const token = await boundToken(idp.issuer, key);
      const call = (url: string) =>
        proof({ key, token, url }).then((jwt) =>
          fetch(`${server.url}/api/secure-data`, { headers: dpop(token, jwt) }),
        );
      expect((await call(`${server.url}/api/secure-data`)).status).toBe(200);
      // The path the router sees (without /api) is not the URL the client called.
      const refused = await call(`${server.url}/secure-data`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        `DPoP error="invalid_dpop_proof", ${ALGS}, Bearer realm="gatehouse"`,
      );
    } finally {
      await server.close();
      await gatehouse.close();
      await idp.close();
    }
  });

  test('a proof for BACKEND_URL is accepted, one for the Host the request was sent to is not', async () => {
    const idp = await startDpopIdp();
    const server = await listen();
    const backendUrl = 'https://api.example.com';
    const { call, close } = await expressBackend(
      testOptions({ issuer: idp.issuer, backendUrl }),
      server,
    );
    try {
      const key = await dpopKey();
      const token = await boundToken(idp.issuer, key);
      const good = await proof({ key, token, url: `${backendUrl}/secure-data` });
      expect((await call('/secure-data', dpop(token, good))).status).toBe(200);
      const hostOnly = await proof({ key, token, url: `${server.url}/secure-data` });
      expectInvalidProof(await call('/secure-data', dpop(token, hostOnly)));
    } finally {
      await close();
      await idp.close();
    }
  });
});
