import fc from 'fast-check';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { b64, type Answer, type Call } from '../bearer/support.js';
import { ALGS, dpop, proof, startBoundBackend, type DpopKey } from './support.js';

const RUNS = { numRuns: 150 };

/**
 * Whatever a caller puts in a proof (its key is the caller's own: WebCrypto gets to parse it),
 * the answer is a 401 with RFC 9449 7.1's DPoP challenge, never a 5xx and never a 200.
 */
describe('arbitrary DPoP proofs', () => {
  let call: Call;
  let close: () => Promise<void>;
  let key: DpopKey;
  let token: string;
  beforeAll(async () => {
    ({ call, close, key, token } = await startBoundBackend());
  });
  afterAll(() => close());

  /** 401 with the DPoP challenge naming the error of the body: the proof's or the token's. */
  const expectRefused = (answer: Answer) => {
    expect(answer.status).toBe(401);
    expect(['invalid_dpop_proof', 'invalid_token']).toContain(answer.body.error);
    expect(answer.header('www-authenticate')).toBe(
      `DPoP error="${answer.body.error}", ${ALGS}, Bearer realm="gatehouse"`,
    );
  };

  test('headers and claims of any JSON shape, unsigned, are refused with 401 and the DPoP challenge', async () => {
    const json = fc.jsonValue({ maxDepth: 2 });
    const header = fc.oneof(
      json,
      fc.record({ alg: fc.oneof(json, fc.constantFrom('ES256', 'RS256', 'EdDSA', 'none')) }),
      fc.record({ typ: fc.constant('dpop+jwt'), alg: fc.constant('ES256'), jwk: json }),
      fc.record({
        typ: fc.constant('dpop+jwt'),
        alg: fc.constantFrom('ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'),
        jwk: fc.record({
          kty: fc.constantFrom('EC', 'RSA', 'OKP', 'oct'),
          crv: fc.constantFrom('P-256', 'P-384', 'Ed25519', 'X25519'),
          x: fc.base64String(),
          y: fc.base64String(),
          n: fc.base64String(),
          e: fc.constantFrom('AQAB', ''),
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(header, json, fc.base64String(), async (head, claims, signature) => {
        const jwt = `${b64(head)}.${b64(claims)}.${signature.replace(/=+$/, '') || 'AA'}`;
        expectRefused(await call('/secure-data', dpop(token, jwt)));
      }),
      RUNS,
    );
  });

  test('validly signed proofs with some claims arbitrary: accepted only if those are right', async () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 1 }),
      fc.constant(undefined),
      fc.constantFrom('GET', 'http://localhost:4998/secure-data', 1e300, -1, ''),
    );
    const claims = fc.record(
      { jti: value, htm: value, htu: value, iat: value, ath: value, nonce: value },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(claims, async (changed) => {
        const jwt = await proof({ key, token, claims: changed as JWTPayload });
        const answer = await call('/secure-data', dpop(token, jwt));
        const checked = ['jti', 'htm', 'htu', 'iat', 'ath'] as const;
        const untouched = checked.every((claim) => !(claim in changed));
        if (answer.status === 200 && !untouched) {
          // Only values that happen to be the right ones may pass (a new jti, the same htm...).
          expect(changed.htm ?? 'GET').toBe('GET');
          expect(changed.htu ?? 'http://localhost:4998/secure-data').toBe(
            'http://localhost:4998/secure-data',
          );
          expect('iat' in changed || 'ath' in changed).toBe(false);
        } else if (!untouched) {
          expectRefused(answer);
        }
      }),
      RUNS,
    );
  });

  test('arbitrary Authorization values under the DPoP scheme are refused with 401 and the DPoP challenge', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (rest) => {
        const headers = { authorization: `DPoP ${rest}`.replace(/[^\t\x20-\x7e]/g, ''), dpop: '' };
        expectRefused(await call('/secure-data', headers));
      }),
      RUNS,
    );
  });
});
