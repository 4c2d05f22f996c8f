import type { DevIdp } from '@gatehouse/dev-idp';
import { ConfigError } from '@gatehouse/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADA,
  bearer,
  cliToken,
  configFromEnv as fromEnv,
  sessionCookie,
  fastifyBackend,
  testOptions,
  type Call,
} from '../bearer/support.js';
import { ALGS, boundToken, dpop, dpopKey, proof, startDpopIdp } from './support.js';

describe('ACCESS_TOKEN_DPOP=required: a token without its key is worth nothing', () => {
  let idp: DevIdp;
  let call: Call;
  let close: () => Promise<void>;
  beforeAll(async () => {
    idp = await startDpopIdp();
    ({ call, close } = await fastifyBackend(
      testOptions({ issuer: idp.issuer, accessTokenDpop: 'required' }),
    ));
  });
  afterAll(async () => {
    await close();
    await idp.close();
  });

  test('a valid Bearer token (not DPoP-bound) is refused with the DPoP challenge alone', async () => {
    const answer = await call('/secure-data', bearer(await cliToken(idp.issuer)));
    expect({ status: answer.status, error: answer.body.error }).toEqual({
      status: 401,
      error: 'invalid_token',
    });
    expect(answer.header('www-authenticate')).toBe(`DPoP error="invalid_token", ${ALGS}`);
  });

  test('a DPoP-bound token with its proof is accepted; a bad proof gets no Bearer challenge', async () => {
    const key = await dpopKey();
    const token = await boundToken(idp.issuer, key);
    expect((await call('/secure-data', dpop(token, await proof({ key, token })))).status).toBe(200);
    const stale = await call(
      '/secure-data',
      dpop(token, await proof({ key, token, method: 'PUT' })),
    );
    expect({ status: stale.status, error: stale.body.error }).toEqual({
      status: 401,
      error: 'invalid_dpop_proof',
    });
    expect(stale.header('www-authenticate')).toBe(`DPoP error="invalid_dpop_proof", ${ALGS}`);
  });

  test('a request with no credentials is told to come back with DPoP, not with a Bearer token', async () => {
    // RFC 9449 7.1: a Bearer challenge here would send a client to fetch a token it must not use.
    const answer = await call('/secure-data', {});
    expect(answer.status).toBe(401);
    expect(answer.header('www-authenticate')).toBe(`DPoP ${ALGS}`);
  });

  test('the browser’s session cookie is not affected', async () => {
    const answer = await call('/secure-data', { cookie: await sessionCookie(call, ADA) });
    expect(answer.status).toBe(200);
    expect(answer.body.via).toBe('session');
  });
});

describe('DPoP settings', () => {
  test('DPoP is allowed beside Bearer, without nonces, by default', () => {
    expect(fromEnv()).toMatchObject({ accessTokenDpop: 'allowed', accessTokenDpopNonce: false });
  });

  test('the variables are read; a typo stops the server naming the variable', () => {
    expect(
      fromEnv({ ACCESS_TOKEN_DPOP: ' Required ', ACCESS_TOKEN_DPOP_NONCE: 'true' }),
    ).toMatchObject({
      accessTokenDpop: 'required',
      accessTokenDpopNonce: true,
    });
    expect(fromEnv({ ACCESS_TOKEN_DPOP_NONCE: 'off' }).accessTokenDpopNonce).toBe(false);
    expect(() => fromEnv({ ACCESS_TOKEN_DPOP: 'always' })).toThrow(ConfigError);
    expect(() => fromEnv({ ACCESS_TOKEN_DPOP: 'always' })).toThrow(/ACCESS_TOKEN_DPOP/);
    expect(() => fromEnv({ ACCESS_TOKEN_DPOP_NONCE: 'yes please' })).toThrow(
      /ACCESS_TOKEN_DPOP_NONCE must be true or false/,
    );
  });
});
