import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { createGatehouse } from '@gatehouse/server';
import { captureLog, signInThroughBackend, startStack, type Stack } from '../support/stack.js';
import { expireAccessToken, jktOf, sessionOf, sharedStore, thumbprintOf } from './support.js';

/** DPOP=on against the dev IdP: every session's tokens are bound to a key of its own. */
describe('DPOP=on: sessions with DPoP-bound tokens', () => {
  let stack: Stack;
  const userinfo: (Readonly<Record<string, unknown>> | undefined)[] = [];

  beforeAll(async () => {
    stack = await startStack({
      options: {
        dpop: 'on',
        // The hook gets userinfo, fetched with the session's bound token and a proof.
        onSignIn: ({ userinfo: info }) => void userinfo.push(info),
      },
    });
    const callback = await signInThroughBackend(stack);
    expect(callback.status).toBe(302);
  });
  afterAll(() => stack?.close());

  test('the access token is bound to the session key (cnf.jkt = its thumbprint)', async () => {
    const { tokens } = await sessionOf(stack);
    expect(tokens.dpop).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) });
    expect(jktOf(tokens.access_token)).toBe(await thumbprintOf(tokens));
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  test('userinfo answers the bound token with its proof', () => {
    expect(userinfo[0]).toMatchObject({ email: 'ada@example.com' });
  });

  test("the dev IdP's userinfo refuses the bound token without its proof (a stolen token alone is useless)", async () => {
    const { tokens } = await sessionOf(stack);
    const userinfoUrl = `${stack.idp.issuer}/v1/userinfo`;
    const asBearer = await fetch(userinfoUrl, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearer.status).toBe(401);
    const noProof = await fetch(userinfoUrl, {
      headers: { authorization: `DPoP ${tokens.access_token}` },
    });
    expect(noProof.status).toBe(401);
  });

  test('a refresh keeps the binding and the same key', async () => {
    const before = await sessionOf(stack);
    await expireAccessToken(stack);
    const response = await stack.jar.fetch(`${stack.backend.url}/secure-data`);
    expect(response.status).toBe(200);
    const after = await sessionOf(stack);
    expect(after.tokens.access_token).not.toBe(before.tokens.access_token);
    expect(after.tokens.dpop).toEqual(before.tokens.dpop);
    expect(jktOf(after.tokens.access_token)).toBe(await thumbprintOf(before.tokens));
    // The refreshed ID token ran the hook again, with userinfo from the new bound token.
    expect(userinfo.at(-1)).toMatchObject({ email: 'ada@example.com' });
  });

  test('DPOP only decides new sign-ins: an instance with DPOP=off still refreshes a bound session with its key', async () => {
    const before = await sessionOf(stack);
    const other = createGatehouse({
      issuer: stack.idp.issuer,
      clientId: 'gatehouse-test',
      clientSecret: 'gatehouse-test-secret',
      backendUrl: stack.backend.url,
      frontendUrl: stack.frontendUrl,
      sessionSecret: 'test-secret-'.repeat(4),
      sessionStore: sharedStore(stack),
      logger: captureLog().logger,
    });
    try {
      await expireAccessToken(stack);
      const cookie = stack.jar.header(stack.backend.url)!;
      await other.authenticate({ method: 'GET', url: '/secure-data', headers: { cookie } });
      const after = await sessionOf(stack);
      expect(after.tokens.access_token).not.toBe(before.tokens.access_token);
      expect(jktOf(after.tokens.access_token)).toBe(await thumbprintOf(before.tokens));
    } finally {
      await other.close();
    }
  });

  test('two sessions have two keys (a stolen token of one is useless with the other key)', async () => {
    const other = new CookieJar();
    await signInThroughBackend({ backend: stack.backend, jar: other });
    const [first, second] = [await sessionOf(stack), await sessionOf(stack, other)];
    expect(second.tokens.dpop!.x).not.toBe(first.tokens.dpop!.x);
    expect(jktOf(second.tokens.access_token)).toBe(await thumbprintOf(second.tokens));
    expect(jktOf(second.tokens.access_token)).not.toBe(jktOf(first.tokens.access_token));
    expect(await stack.store.listBySubject('00u1ada')).toHaveLength(2);
  });

  test('the private key never leaves sealed storage: not in the cookie, /me, the record or logs', async () => {
    const { tokens, record } = await sessionOf(stack);
    const { d, x } = tokens.dpop!;
    const me = await stack.jar.fetch(`${stack.backend.url}/me`);
    expect(me.status).toBe(200);
    const seen = [
      stack.jar.header(stack.backend.url) ?? '',
      await me.text(),
      JSON.stringify({ ...record, tokens: undefined }),
      Buffer.from(record.tokens).toString('latin1'),
      stack.log.join(''),
    ].join('\n');
    expect(seen).not.toContain(d);
    expect(seen).not.toContain(x);
  });
});

describe('DPOP=off (the default): Bearer tokens and no key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await signInThroughBackend(stack);
  });
  afterAll(() => stack?.close());

  test('the session has no key and its access token is not bound', async () => {
    const { tokens } = await sessionOf(stack);
    expect(tokens.dpop).toBeUndefined();
    expect(jktOf(tokens.access_token)).toBeUndefined();
  });

  test('authorizationHeaders gives a Bearer header and no proof', async () => {
    const cookie = stack.jar.header(stack.backend.url)!;
    const { tokens } = await sessionOf(stack);
    const headers = await stack.backend.gatehouse.authorizationHeaders(
      { method: 'GET', url: '/', headers: { cookie } },
      { url: 'https://api.example.com/x' },
    );
    expect(headers).toEqual({ authorization: `Bearer ${tokens.access_token}` });
  });
});
