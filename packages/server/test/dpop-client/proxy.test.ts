import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Stack } from '../support/stack.js';
import { remoteApiOptions, startProxyStack, type Upstream } from '../remote/upstream.js';
import { jktOf, sessionOf, thumbprintOf, verifyProof } from './support.js';

const CSRF = { 'x-csrf': '1' };

/** The remote-API proxy with DPOP=on: the API gets `Authorization: DPoP` and a fresh proof. */
describe('remote API with a DPoP-bound token', () => {
  let stack: Stack;
  let upstream: Upstream;
  let close: () => Promise<void>;
  let api: string;

  beforeAll(async () => {
    ({ stack, upstream, close } = await startProxyStack((upstream) => ({
      dpop: 'on',
      ...remoteApiOptions(upstream),
    })));
    api = `${stack.backend.url}/api/orders`;
  });
  afterAll(() => close?.());

  test('the API token is bound to the session key and sent with a valid proof', async () => {
    const response = await stack.jar.fetch(`${api}/items/7?x=1`, { headers: CSRF });
    expect(response.status).toBe(200);
    const seen = upstream.received.at(-1)!;
    const token = seen.headers.authorization!.replace(/^DPoP /, '');
    expect(seen.headers.authorization).toMatch(/^DPoP /);
    // htu is the upstream URL without its query (RFC 9449 4.2).
    await verifyProof(seen.headers, 'GET', `${upstream.url}/v1/items/7`);
    const { tokens } = await sessionOf(stack);
    expect(jktOf(token)).toBe(await thumbprintOf(tokens));
    expect(tokens.apis?.['/api/orders']).toMatchObject({ access_token: token, dpop: true });
  });

  test('every call gets a new proof (a proof is single-use: no replay for the API to refuse)', async () => {
    await stack.jar.fetch(`${api}/a`, { headers: CSRF });
    await stack.jar.fetch(`${api}/a`, { headers: CSRF });
    const [first, second] = upstream.received.slice(-2);
    expect(first!.headers.authorization).toBe(second!.headers.authorization);
    const [one, two] = await Promise.all([
      verifyProof(first!.headers, 'GET', `${upstream.url}/v1/a`),
      verifyProof(second!.headers, 'GET', `${upstream.url}/v1/a`),
    ]);
    expect(one.jti).not.toBe(two.jti);
  });

  test('a POST body streams through with a proof for POST', async () => {
    const body = JSON.stringify({ item: 'x'.repeat(100_000) });
    const response = await stack.jar.fetch(`${api}/orders`, {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const seen = upstream.received.at(-1)!;
    expect(seen.body).toBe(body);
    await verifyProof(seen.headers, 'POST', `${upstream.url}/v1/orders`);
  });

  test("a browser's own DPoP header never reaches the API (it could replay a captured proof)", async () => {
    await stack.jar.fetch(`${api}/b`, { headers: { ...CSRF, dpop: 'forged.proof.value' } });
    const seen = upstream.received.at(-1)!;
    expect(seen.headers.dpop).not.toBe('forged.proof.value');
    await verifyProof(seen.headers, 'GET', `${upstream.url}/v1/b`);
  });

  test('an API that wants a nonce (use_dpop_nonce): one retry of a GET with the nonce in the proof', async () => {
    upstream.answer(requireNonce('n-1'));
    const before = upstream.received.length;
    const response = await stack.jar.fetch(`${api}/nonce`, { headers: CSRF });
    expect(response.status).toBe(200);
    const [first, second] = upstream.received.slice(before);
    expect(upstream.received.length - before).toBe(2);
    expect((await verifyProof(first!.headers, 'GET', `${upstream.url}/v1/nonce`)).nonce).toBe(
      undefined,
    );
    expect((await verifyProof(second!.headers, 'GET', `${upstream.url}/v1/nonce`)).nonce).toBe(
      'n-1',
    );
    // The nonce is kept: the next call sends it at once.
    await stack.jar.fetch(`${api}/nonce`, { headers: CSRF });
    expect(upstream.received.length - before).toBe(3);
  });

  test('a POST refused for want of a nonce is passed back (its body is gone), the next one carries it', async () => {
    upstream.answer(requireNonce('n-2'));
    const before = upstream.received.length;
    const post = () =>
      stack.jar.fetch(`${api}/orders`, {
        method: 'POST',
        headers: { ...CSRF, 'content-type': 'application/json' },
        body: '{"n":1}',
      });
    const refused = await post();
    expect(refused.status).toBe(401);
    expect(upstream.received.length - before).toBe(1);
    expect((await post()).status).toBe(200);
    const last = upstream.received.at(-1)!;
    expect((await verifyProof(last.headers, 'POST', `${upstream.url}/v1/orders`)).nonce).toBe(
      'n-2',
    );
  });
});

/** What an app does to call a DPoP API itself: `gatehouse.authorizationHeaders`. */
describe('authorizationHeaders: an app calling a DPoP API itself', () => {
  let stack: Stack;
  let upstream: Upstream;
  let close: () => Promise<void>;
  let cookie: string;

  beforeAll(async () => {
    ({ stack, upstream, close } = await startProxyStack((upstream) => ({
      dpop: 'on',
      remoteApis: [{ path: '/api/orders', upstream: upstream.url, resource: 'api://orders' }],
    })));
    cookie = stack.jar.header(stack.backend.url)!;
  });
  afterAll(() => close?.());

  const asBrowser = () => ({ method: 'GET', url: '/reports', headers: { cookie } });

  test("the session's own token with a proof for the method and URL given", async () => {
    const url = `${upstream.url}/reports/1?page=2`;
    const headers = await stack.backend.gatehouse.authorizationHeaders(asBrowser(), {
      method: 'post',
      url,
    });
    const proof = await verifyProof(headers, 'POST', `${upstream.url}/reports/1`);
    const { tokens } = await sessionOf(stack);
    expect(headers.authorization).toBe(`DPoP ${tokens.access_token}`);
    expect(proof.nonce).toBeUndefined();
    expect(Object.keys(headers).sort()).toEqual(['authorization', 'dpop']);
  });

  test("a remote API's token, and the nonce the API asked for in the retry's proof", async () => {
    const url = `${upstream.url}/orders`;
    const headers = await stack.backend.gatehouse.authorizationHeaders(asBrowser(), {
      api: '/api/orders',
      url,
      nonce: 'api-nonce',
    });
    const proof = await verifyProof(headers, 'GET', url);
    expect(proof.nonce).toBe('api-nonce');
    const { tokens } = await sessionOf(stack);
    expect(headers.authorization).toBe(`DPoP ${tokens.apis!['/api/orders']!.access_token}`);
  });

  test('no session: 401, as accessToken', async () => {
    await expect(
      stack.backend.gatehouse.authorizationHeaders(
        { method: 'GET', url: '/', headers: {} },
        { url: upstream.url },
      ),
    ).rejects.toMatchObject({ status: 401 });
  });
});

/** An API that requires its nonce in every proof (RFC 9449 9), as a resource server may. */
function requireNonce(nonce: string) {
  return (seen: { headers: Record<string, unknown> }, res: ServerResponse) => {
    const proof = String(seen.headers.dpop ?? '');
    const payload = JSON.parse(Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString());
    if (payload.nonce !== nonce) {
      res.writeHead(401, {
        'www-authenticate':
          'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
        'dpop-nonce': nonce,
      });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };
}
