import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInThroughBackend, startStack, type Stack } from '../support/stack.js';
import { startUpstream } from '../remote/upstream.js';
import { expireAccessToken, jktOf, sessionOf, thumbprintOf } from './support.js';
import { watchTokenEndpoint } from './provider-answers.js';

const CSRF = { 'x-csrf': '1' };

/** A provider that requires its nonce in every DPoP proof (RFC 9449 8): Gatehouse follows it. */
describe('DPOP=on with a provider that requires DPoP nonces', () => {
  let stack: Stack;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let watch: ReturnType<typeof watchTokenEndpoint>;

  beforeAll(async () => {
    upstream = await startUpstream();
    stack = await startStack({
      idpOptions: { dpopNonce: true },
      options: {
        dpop: 'on',
        remoteApis: [{ path: '/api/orders', upstream: upstream.url, resource: 'api://orders' }],
      },
    });
    watch = watchTokenEndpoint();
  });
  afterAll(async () => {
    watch?.restore();
    await stack?.close();
    await upstream?.close();
  });

  test('sign-in: the code redemption is retried once with the nonce, and the tokens are bound', async () => {
    const callback = await signInThroughBackend(stack);
    expect(callback.status).toBe(302);
    // The first proof had no nonce: use_dpop_nonce; the retry carried the provider's nonce.
    expect(watch.answers.slice(0, 2)).toEqual([
      { status: 400, error: 'use_dpop_nonce', nonce: false, proof: true },
      { status: 200, nonce: true, proof: true },
    ]);
    const { tokens } = await sessionOf(stack);
    expect(jktOf(tokens.access_token)).toBe(await thumbprintOf(tokens));
  });

  test('a refresh sends the nonce the session key was given', async () => {
    const before = watch.answers.length;
    await expireAccessToken(stack);
    const response = await stack.jar.fetch(`${stack.backend.url}/secure-data`);
    expect(response.status).toBe(200);
    const refresh = watch.answers.slice(before);
    expect(refresh.at(-1)).toEqual({ status: 200, nonce: true, proof: true });
    const { tokens } = await sessionOf(stack);
    expect(jktOf(tokens.access_token)).toBe(await thumbprintOf(tokens));
  });

  test('a remote API token is fetched with the nonce and bound to the same key', async () => {
    const before = watch.answers.length;
    const response = await stack.jar.fetch(`${stack.backend.url}/api/orders/x`, {
      headers: CSRF,
    });
    expect(response.status).toBe(200);
    expect(watch.answers.slice(before).at(-1)).toMatchObject({ status: 200, nonce: true });
    const { tokens } = await sessionOf(stack);
    expect(jktOf(tokens.apis!['/api/orders']!.access_token)).toBe(await thumbprintOf(tokens));
  });
});
