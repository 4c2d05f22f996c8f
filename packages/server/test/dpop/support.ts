import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { expect } from 'vitest';
import {
  CLI,
  epoch,
  fastifyBackend,
  testClients,
  testOptions,
  type Answer,
} from '../bearer/support.js';
import { startTestIdp } from '../support/stack.js';

/** The backend URL of `testOptions`: where every proof's `htu` points. */
export const BACKEND = 'http://localhost:4998';
export const ALGS = 'algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"';

/** A DPoP key pair with its public JWK and thumbprint (`cnf.jkt` of the tokens bound to it). */
export interface DpopKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
  jkt: string;
  pair: client.CryptoKeyPair;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return { ...pair, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256'), pair };
}

/** The CLI client of the dev IdP, over plain http. */
export function cliClient(issuer: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), CLI.client_id, CLI.client_secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
}

/** A DPoP-bound access token for the CLI client, bound to `key`, by client credentials. */
export async function boundToken(issuer: string, key: DpopKey): Promise<string> {
  const cli = await cliClient(issuer);
  const DPoP = client.getDPoPHandle(cli, key.pair);
  const tokens = await client.clientCredentialsGrant(cli, { scope: 'api' }, { DPoP });
  expect(tokens.token_type.toLowerCase()).toBe('dpop');
  return tokens.access_token;
}

export const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface ProofOptions {
  key: DpopKey;
  token: string;
  method?: string;
  url?: string;
  /** Claims over the correct ones (`undefined` removes one). */
  claims?: JWTPayload;
  header?: Record<string, unknown>;
  /** Signs with this key instead (its `alg` in `header`). */
  signWith?: CryptoKey | Uint8Array;
}

/** A DPoP proof, correct for `GET <BACKEND>/secure-data` unless told otherwise. */
export function proof({
  key,
  token,
  method = 'GET',
  url = `${BACKEND}/secure-data`,
  claims = {},
  header = {},
  signWith,
}: ProofOptions): Promise<string> {
  const payload: JWTPayload = {
    jti: randomUUID(),
    htm: method,
    htu: url,
    iat: epoch(),
    ath: ath(token),
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk, ...header } as {
      alg: string;
    })
    .sign(signWith ?? key.privateKey);
}

/** The headers of a DPoP request. */
export const dpop = (token: string, proofJwt: string) => ({
  authorization: `DPoP ${token}`,
  dpop: proofJwt,
});

/**
 * A refused proof: 401 `invalid_dpop_proof` with RFC 9449 7.1's challenge (and Bearer's), which
 * clients that retry on `WWW-Authenticate` read.
 */
export function expectInvalidProof(answer: Answer): void {
  expect({ status: answer.status, body: answer.body }).toEqual({
    status: 401,
    body: { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid.' },
  });
  expect(answer.header('www-authenticate')).toBe(
    `DPoP error="invalid_dpop_proof", ${ALGS}, Bearer realm="gatehouse"`,
  );
}

/** A refused token under the DPoP scheme: 401 `invalid_token` with the DPoP challenge. */
export function expectDpopInvalidToken(answer: Answer): void {
  expect({ status: answer.status, error: answer.body.error }).toEqual({
    status: 401,
    error: 'invalid_token',
  });
  expect(answer.header('www-authenticate')).toBe(
    `DPoP error="invalid_token", ${ALGS}, Bearer realm="gatehouse"`,
  );
}

/** The dev IdP with the DPoP test clients, on a free port. */
export function startDpopIdp() {
  return startTestIdp({ clients: testClients() });
}

/**
 * The dev IdP, a Fastify backend on `testOptions` (DPoP allowed, not required), and a token
 * bound to a fresh key; `close` stops the backend, then the IdP.
 */
export async function startBoundBackend() {
  const idp = await startDpopIdp();
  const backend = await fastifyBackend(testOptions({ issuer: idp.issuer }));
  const key = await dpopKey();
  const token = await boundToken(idp.issuer, key);
  const close = async () => {
    await backend.close();
    await idp.close();
  };
  return { idp, call: backend.call, key, token, close };
}
