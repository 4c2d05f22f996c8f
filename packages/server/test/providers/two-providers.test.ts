/**
 * Several providers (docs/tenants.md), black box: one Gatehouse with two real providers (the
 * hostile provider twice, honest), the first from the single settings (`default`), the second
 * from `providers` (`beta`). Both give the same `sub` to the same user: two users all the same.
 */
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { requireProvider, type GatehouseRequest } from '@gatehouse/server';
import { setCookie } from '../support/stack.js';
import { CLIENT, HostileProvider, USER } from '../hostile/provider.js';
import {
  failures,
  signIn,
  startRelyingParty,
  type RelyingParty,
} from '../hostile/relying-party.js';

let alpha: HostileProvider;
let beta: HostileProvider;
let rp: RelyingParty;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([HostileProvider.start(), HostileProvider.start()]);
});
afterAll(() => Promise.all([alpha.close(), beta.close()]));
beforeEach(async () => {
  alpha.reset();
  beta.reset();
  rp = await startRelyingParty(alpha, {
    audience: 'api://alpha',
    providers: [
      {
        id: 'beta',
        issuer: beta.issuer,
        clientId: CLIENT.id,
        clientSecret: CLIENT.secret,
        audience: 'api://beta',
        domains: ['beta.example'],
        displayName: 'Beta <Corp> & Co',
      },
    ],
  });
});
afterEach(() => rp.close());

/** A request as the app's own route gets it, with this browser's cookies. */
function appRequest(jar: CookieJar | undefined, authorization?: string) {
  const cookie = jar?.header(`${rp.url}/`);
  return {
    method: 'GET',
    url: '/app',
    headers: { ...(cookie && { cookie }), ...(authorization && { authorization }) },
  } satisfies GatehouseRequest;
}

async function signedInAt(query: string) {
  const steps = await signIn(rp, { query });
  expect(steps.callback?.status, await steps.callback?.clone().text()).toBe(302);
  return steps;
}

describe('choosing the provider at /login', () => {
  test('provider=beta starts the sign-in at beta and the session is beta’s', async () => {
    const { login, jar } = await signedInAt('?provider=beta');
    expect(login.headers.get('location')).toMatch(new RegExp(`^${beta.issuer}/authorize\\?`));
    expect(new URL(login.headers.get('location')!).searchParams.has('provider')).toBe(false);
    expect(alpha.callsTo('authorize')).toHaveLength(0);
    expect(beta.callsTo('token')).toHaveLength(1);
    const principal = await rp.backend.gatehouse.authenticate(appRequest(jar));
    expect(principal.provider).toBe('beta');
    const [stored] = await rp.store.listBySubject(USER.sub);
    expect(stored?.record.provider).toBe('beta');
  });

  test('login_hint at a domain of beta signs in at beta and still forwards login_hint (home-realm discovery)', async () => {
    const { login } = await signedInAt('?login_hint=ada%40Beta.example');
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.href.startsWith(`${beta.issuer}/authorize?`)).toBe(true);
    expect(authorize.searchParams.get('login_hint')).toBe('ada@Beta.example');
  });

  test('neither: a 200 HTML page lists the display names, escaped, each link keeping returnTo and popup', async () => {
    const response = await fetch(`${rp.url}/login?returnTo=%2Forders&popup=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(setCookie(response, 'gatehouse-tx')).toBeUndefined();
    const html = await response.text();
    expect(html).toContain('Beta &#60;Corp&#62; &#38; Co');
    expect(html).not.toContain('<Corp>');
    expect(html).not.toContain(beta.issuer);
    expect(html).toContain('href="?returnTo=%2Forders&#38;popup=1&#38;provider=default"');
    expect(html).toContain('href="?returnTo=%2Forders&#38;popup=1&#38;provider=beta"');
  });

  test('a silent sign-in (prompt=none) with no provider chosen returns signed out, with no page and no provider call', async () => {
    const response = await fetch(`${rp.url}/login?prompt=none&returnTo=%2Forders`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(
      'http://localhost:5999/orders#gatehouse=signed-out',
    );
    expect(setCookie(response, 'gatehouse-tx')).toBeUndefined();
    expect(alpha.callsTo('authorize')).toHaveLength(0);
    expect(beta.callsTo('authorize')).toHaveLength(0);
  });

  test('an unknown provider id is a 400 page, and no sign-in starts', async () => {
    for (const id of ['gamma', 'BETA', '../x']) {
      const response = await fetch(`${rp.url}/login?provider=${encodeURIComponent(id)}`, {
        redirect: 'manual',
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('There is no sign-in provider of that name.');
      expect(setCookie(response, 'gatehouse-tx')).toBeUndefined();
    }
    expect(alpha.callsTo('authorize')).toHaveLength(0);
    expect(beta.callsTo('authorize')).toHaveLength(0);
  });
});

describe('isolation', () => {
  test('mix-up: beta’s authorization response to a sign-in started at alpha is refused, no code redeemed, no session (RFC 9207)', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${rp.url}/login?provider=default`);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    // beta answers with its own code and iss, under the state of alpha's transaction.
    const atBeta = await jar.fetch(`${rp.url}/login?provider=beta`);
    const betaAuthorize = await jar.fetch(atBeta.headers.get('location')!);
    const betaAnswer = new URL(betaAuthorize.headers.get('location')!);
    betaAnswer.searchParams.set('state', state);
    const callback = await jar.fetch(betaAnswer.href);
    expect(callback.status).toBe(401);
    expect(await callback.text()).toContain('Sign-in did not complete');
    expect(failures(rp.log).at(-1)?.detail).toContain(
      'unexpected "iss" (issuer) response parameter value',
    );
    expect(setCookie(callback, 'gatehouse')).toBeUndefined();
    expect(rp.store.size).toBe(0);
    expect(alpha.callsTo('token')).toHaveLength(0);
    expect(beta.callsTo('token')).toHaveLength(0);
  });

  test('a session started at beta refreshes, revokes and signs out at beta only', async () => {
    alpha.revocationEndpoint = true;
    beta.revocationEndpoint = true;
    beta.accessTokenTtl = 0; // expired at once: the next request refreshes
    const { jar } = await signedInAt('?provider=beta');
    const data = await jar.fetch(`${rp.url}/secure-data`);
    expect(data.status).toBe(200);
    expect(beta.issued.map((one) => one.grantType)).toEqual([
      'authorization_code',
      'refresh_token',
    ]);
    const logout = await jar.fetch(`${rp.url}/logout`, {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: 'http://localhost:5999' },
    });
    expect(logout.status).toBe(200);
    const { endSessionUrl } = (await logout.json()) as { endSessionUrl: string | null };
    // The hostile provider has no end_session_endpoint: what counts is whose revocation ran.
    expect(endSessionUrl).toBeNull();
    await expect.poll(() => beta.revokedTokens().length).toBe(1);
    expect(beta.revokedTokens()).toEqual([beta.issued.at(-1)!.refresh_token]);
    expect(alpha.calls.filter((call) => call.endpoint !== 'discovery')).toEqual([]);
  });

  test('a remote API token for a session started at beta comes from beta', async () => {
    await rp.close();
    rp = await startRelyingParty(alpha, {
      providers: [
        { id: 'beta', issuer: beta.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret },
      ],
      remoteApis: [
        { path: '/api/orders', upstream: 'http://127.0.0.1:9', resource: 'api://orders' },
      ],
    });
    const { jar } = await signedInAt('?provider=beta');
    const token = await rp.backend.gatehouse.accessToken(appRequest(jar), { api: '/api/orders' });
    expect(beta.issued.map((one) => one.grantType)).toEqual([
      'authorization_code',
      'refresh_token',
    ]);
    expect(token).toBe(beta.issued.at(-1)!.access_token);
    const exchange = beta.callsTo('token').at(-1)!.form!;
    expect(exchange.get('resource')).toBe('api://orders');
    expect(alpha.calls.filter((call) => call.endpoint !== 'discovery')).toEqual([]);
  });

  test('a logout token from alpha does not end the session of the same sub at beta', async () => {
    const { jar } = await signedInAt('?provider=beta');
    const url = `${rp.url}/backchannel-logout`;
    expect((await alpha.backchannelLogout(url, {})).status).toBe(200);
    expect(rp.store.size).toBe(1);
    expect((await jar.fetch(`${rp.url}/me`)).status).toBe(200);
    // beta's own token for that user ends it.
    expect((await beta.backchannelLogout(url, {})).status).toBe(200);
    expect(rp.store.size).toBe(0);
  });

  test('a Bearer token of beta is accepted with beta’s audience; one of alpha with beta’s audience is refused', async () => {
    const gatehouse = rp.backend.gatehouse;
    const ofBeta = await beta.accessToken({ aud: 'api://beta' });
    const principal = await gatehouse.authenticate(appRequest(undefined, `Bearer ${ofBeta}`));
    expect(principal).toMatchObject({ via: 'bearer', provider: 'beta' });
    expect(principal.user.sub).toBe(USER.sub);
    const alphaForBeta = await alpha.accessToken({ aud: 'api://beta' });
    await expect(
      gatehouse.authenticate(appRequest(undefined, `Bearer ${alphaForBeta}`)),
    ).rejects.toMatchObject({ status: 401, code: 'ERR_ACCESS_TOKEN_INVALID' });
    const unknownIssuer = await alpha.accessToken({
      iss: 'https://evil.example/x',
      aud: 'api://alpha',
    });
    await expect(
      gatehouse.authenticate(appRequest(undefined, `Bearer ${unknownIssuer}`)),
    ).rejects.toMatchObject({ status: 401, code: 'ERR_ACCESS_TOKEN_INVALID' });
    const ofAlpha = await alpha.accessToken({ aud: 'api://alpha' });
    expect(await gatehouse.authenticate(appRequest(undefined, `Bearer ${ofAlpha}`))).toMatchObject({
      provider: 'default',
    });
  });

  test('requireProvider lets in beta’s users only where asked', async () => {
    const { jar } = await signedInAt('?provider=beta');
    const request = appRequest(jar);
    const gatehouse = rp.backend.gatehouse;
    expect(await gatehouse.authorize(request, [requireProvider('beta')])).toMatchObject({
      provider: 'beta',
    });
    await expect(gatehouse.authorize(request, [requireProvider('default')])).rejects.toMatchObject({
      status: 403,
      code: 'ERR_ACCESS_DENIED',
    });
  });

  test('"your devices" lists only the sessions at the caller’s provider', async () => {
    const atAlpha = await signedInAt('?provider=default');
    await signedInAt('?provider=beta');
    expect(rp.store.size).toBe(2);
    const list = await atAlpha.jar.fetch(`${rp.url}/sessions`);
    expect(list.status).toBe(200);
    const { sessions } = (await list.json()) as { sessions: { current: boolean }[] };
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.current).toBe(true);
  });
});
