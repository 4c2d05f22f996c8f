import { exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  b64,
  bearer,
  epoch,
  expectInvalidToken,
  fastifyBackend,
  sleep,
  startFakeIssuer,
  startHitCounter,
  testOptions,
} from './support.js';

type Issuer = Awaited<ReturnType<typeof startFakeIssuer>>;
type Backend = Awaited<ReturnType<typeof fastifyBackend>>;

let idp: Issuer;
let backend: Backend;
beforeAll(async () => {
  idp = await startFakeIssuer();
  backend = await fastifyBackend(testOptions({ issuer: idp.issuer }));
});
afterAll(async () => {
  await backend.close();
  await idp.close();
});

const get = (token: string) => backend.call('/secure-data', bearer(token));

describe('a well-formed access token', () => {
  test('is accepted, as a Bearer caller with its scopes, without a CSRF header on POST', async () => {
    const token = await idp.sign();
    const answer = await get(token);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      via: 'bearer',
      sub: 'ada@example.com',
      scopes: ['api'],
      groups: [],
    });
    expect((await backend.call('/secure-data', bearer(token), 'POST')).status).toBe(200);
  });
});

describe('forged signatures and algorithms', () => {
  test('alg "none", with and without a signature part', async () => {
    const unsigned = `${b64({ alg: 'none' })}.${b64(idp.claims())}`;
    expectInvalidToken(await get(`${unsigned}.`));
    expectInvalidToken(await get(`${unsigned}.c2ln`));
  });

  test('HS256 signed with the RSA public key as PEM or JWK bytes (key confusion)', async () => {
    const pem = await exportSPKI(idp.publicKey);
    for (const secret of [pem, JSON.stringify(idp.publicJwk)]) {
      const token = await idp.sign(
        {},
        { key: new TextEncoder().encode(secret), header: { alg: 'HS256' } },
      );
      expectInvalidToken(await get(token));
    }
  });

  test('a token signed by another provider’s key with our iss and our kid', async () => {
    const other = await generateKeyPair('RS256');
    const before = idp.jwksHits;
    expectInvalidToken(await get(await idp.sign({}, { key: other.privateKey })));
    expect(idp.jwksHits).toBe(before);
  });

  test('a tampered payload (more scopes, same signature)', async () => {
    const [header, , signature] = (await idp.sign()).split('.');
    expectInvalidToken(
      await get(`${header}.${b64(idp.claims({ scp: ['api', 'admin'] }))}.${signature}`),
    );
  });

  test('jku, x5u, x5c and jwk headers pointing to an attacker’s keys: refused, never fetched', async () => {
    const counter = await startHitCounter();
    try {
      const attacker = await generateKeyPair('RS256', { extractable: true });
      const jwk = await exportJWK(attacker.publicKey);
      const before = idp.jwksHits;
      for (const header of [
        { kid: 'attacker', jku: `${counter.url}/jwks.json` },
        { kid: 'attacker', x5u: `${counter.url}/cert.pem` },
        { kid: 'attacker', x5c: ['MIIB'] },
        { kid: 'attacker', jwk },
        { kid: 'k1', jku: `${counter.url}/jwks.json` },
      ]) {
        expectInvalidToken(await get(await idp.sign({}, { key: attacker.privateKey, header })));
      }
      expect(counter.hits).toBe(0);
      expect(idp.jwksHits).toBe(before);
    } finally {
      await counter.close();
    }
  });
});

describe('claims', () => {
  test('wrong or missing aud', async () => {
    expectInvalidToken(await get(await idp.sign({ aud: 'api://other' })));
    expectInvalidToken(await get(await idp.sign({ aud: undefined })));
  });

  test('another issuer, a trailing-slash variant and an https variant of ours', async () => {
    for (const iss of [
      idp.issuer.replace('/default', '/other'),
      `${idp.issuer}/`,
      idp.issuer.replace('http:', 'https:'),
      undefined,
    ]) {
      expectInvalidToken(await get(await idp.sign({ iss })));
    }
  });

  test('expired and not-yet-valid tokens at the clock tolerance’s edges', async () => {
    const tolerance = backend.gatehouse.config.clockTolerance;
    const now = epoch();
    expect((await get(await idp.sign({ exp: now - tolerance + 3 }))).status).toBe(200);
    expect((await get(await idp.sign({ nbf: now + tolerance - 3 }))).status).toBe(200);
    const expired = await get(await idp.sign({ exp: now - tolerance - 1 }));
    expectInvalidToken(expired);
    expect(expired.body.error_description).toBe('The access token has expired.');
    expectInvalidToken(await get(await idp.sign({ nbf: now + tolerance + 3 })));
  });

  test('a token without exp (it would never expire)', async () => {
    expectInvalidToken(await get(await idp.sign({ exp: undefined })));
  });

  test('an ID token sent as an access token, even one whose aud is the API', async () => {
    expectInvalidToken(await get(await idp.sign({ aud: 'gatehouse-test', nonce: 'n-0S6_WzA2Mj' })));
    expectInvalidToken(await get(await idp.sign({ nonce: 'n-0S6_WzA2Mj' })));
    expectInvalidToken(await get(await idp.sign({ at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' })));
    expectInvalidToken(await get(await idp.sign({}, { header: { typ: 'logout+jwt' } })));
    expect((await get(await idp.sign({}, { header: { typ: 'at+jwt' } }))).status).toBe(200);
  });

  test('a client outside OKTA_ALLOWED_CLIENT_IDS', async () => {
    const strict = await fastifyBackend(
      testOptions({ issuer: idp.issuer, allowedClientIds: ['gatehouse-cli'] }),
    );
    try {
      expect((await strict.call('/secure-data', bearer(await idp.sign()))).status).toBe(200);
      expectInvalidToken(
        await strict.call('/secure-data', bearer(await idp.sign({ cid: 'another-app' }))),
      );
      expectInvalidToken(
        await strict.call('/secure-data', bearer(await idp.sign({ cid: undefined }))),
      );
    } finally {
      await strict.close();
    }
  });
});

describe('malformed tokens', () => {
  test('2- and 5-segment tokens, bad base64, bad JSON, an empty token', async () => {
    const valid = await idp.sign();
    const [header, payload, signature] = valid.split('.');
    for (const token of [
      `${header}.${payload}`,
      `${valid}.${signature}.${signature}`,
      `${header}.${payload}.${signature}!`,
      `${header}.${payload}$.${signature}`,
      `${header}.${Buffer.from('{"sub":').toString('base64url')}.${signature}`,
      `bm90IGpzb24.${payload}.${signature}`,
      '...',
      '',
    ]) {
      expectInvalidToken(await get(token));
    }
  });

  test('an Authorization header with the scheme but no token, or a second token', async () => {
    expectInvalidToken(await backend.call('/secure-data', { authorization: 'Bearer' }));
    expectInvalidToken(
      await backend.call('/secure-data', { authorization: `Bearer ${await idp.sign()} x` }),
    );
  });
});

describe('unknown kid and the JWKS cooldown', () => {
  test('an unknown kid refetches the JWKS once, then a rotated key is accepted', async () => {
    const fast = await fastifyBackend(testOptions({ issuer: idp.issuer, jwksCooldown: 0.3 }));
    try {
      expect((await fast.call('/secure-data', bearer(await idp.sign()))).status).toBe(200);
      const next = await generateKeyPair('RS256', { extractable: true });
      idp.keys = [{ ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'RS256' }, idp.publicJwk];
      await sleep(350);
      const before = idp.jwksHits;
      const token = await idp.sign({}, { key: next.privateKey, header: { kid: 'k2' } });
      expect((await fast.call('/secure-data', bearer(token))).status).toBe(200);
      expect(idp.jwksHits - before).toBe(1);
    } finally {
      idp.keys = [idp.publicJwk];
      await fast.close();
    }
  });

  const randomKids = async (count: number) => {
    const [, payload] = (await idp.sign()).split('.');
    return Array.from({ length: count }, () => {
      const header = b64({ alg: 'RS256', kid: randomBytes(8).toString('hex') });
      return `${header}.${payload}.${randomBytes(256).toString('base64url')}`;
    });
  };

  test('1,000 random kids within the cooldown cause no JWKS fetch at all', async () => {
    const backend = await fastifyBackend(testOptions({ issuer: idp.issuer, jwksCooldown: 60 }));
    try {
      expect((await backend.call('/secure-data', bearer(await idp.sign()))).status).toBe(200);
      const before = idp.jwksHits;
      for (const token of await randomKids(1000)) {
        expectInvalidToken(await backend.call('/secure-data', bearer(token)));
      }
      expect(idp.jwksHits).toBe(before);
    } finally {
      await backend.close();
    }
  });

  test('1,000 random kids past the cooldown cause no more fetches than the cooldown allows', async () => {
    const cooldown = 500;
    const backend = await fastifyBackend(
      testOptions({ issuer: idp.issuer, jwksCooldown: cooldown / 1000 }),
    );
    try {
      expect((await backend.call('/secure-data', bearer(await idp.sign()))).status).toBe(200);
      const forged = await randomKids(1000);
      await sleep(cooldown + 50);
      const before = idp.jwksHits;
      const started = Date.now();
      await Promise.all(
        forged.map(async (token) =>
          expectInvalidToken(await backend.call('/secure-data', bearer(token))),
        ),
      );
      const fetches = idp.jwksHits - before;
      expect(fetches).toBeGreaterThanOrEqual(1);
      expect(fetches).toBeLessThanOrEqual(1 + Math.floor((Date.now() - started) / cooldown));
    } finally {
      await backend.close();
    }
  });
});

describe('provider outages', () => {
  test('a provider that is down answers 503, never 500', async () => {
    const closed = await startFakeIssuer();
    const token = await closed.sign();
    await closed.close();
    const down = await fastifyBackend(testOptions({ issuer: closed.issuer, httpTimeout: 1 }));
    try {
      const answer = await down.call('/secure-data', bearer(token));
      expect({ status: answer.status, error: answer.body.error }).toEqual({
        status: 503,
        error: 'temporarily_unavailable',
      });
    } finally {
      await down.close();
    }
  });

  test('a JWKS endpoint that fails answers 503, one that hangs 504 after HTTP_TIMEOUT', async () => {
    const flaky = await startFakeIssuer();
    const backend = await fastifyBackend(testOptions({ issuer: flaky.issuer, httpTimeout: 1 }));
    try {
      flaky.jwks = 'down';
      expect((await backend.call('/secure-data', bearer(await flaky.sign()))).status).toBe(503);
      flaky.jwks = 'hang';
      const started = Date.now();
      expect((await backend.call('/secure-data', bearer(await flaky.sign()))).status).toBe(504);
      expect(Date.now() - started).toBeLessThan(3000);
      flaky.jwks = 'up';
      expect((await backend.call('/secure-data', bearer(await flaky.sign()))).status).toBe(200);
    } finally {
      await backend.close();
      await flaky.close();
    }
  });
});
