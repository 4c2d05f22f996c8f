import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, DevIdpSignInError, completeLogin, signIn, type DevIdp } from '../src/index.js';
import { ADA, REDIRECT_URI, authorizationRequest, discover, startTestIdp } from './support.js';

describe('authorization code sign-in', () => {
  let idp: DevIdp;
  let config: client.Configuration;
  beforeAll(async () => {
    idp = await startTestIdp();
    config = await discover(idp);
  });
  afterAll(() => idp.close());

  it('signs Ada in through the login form: ID token claims and an Okta-shaped JWT access token', async () => {
    const { url, checks } = await authorizationRequest(config);
    const jar = new CookieJar();
    const first = await jar.fetch(url);
    expect(first.status).toBe(303);
    const loginPageUrl = new URL(first.headers.get('location')!, url).href;
    expect(new URL(loginPageUrl).pathname).toMatch(/^\/interaction\/[\w-]+$/);

    const page = await jar.fetch(loginPageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('Gatehouse Dev IdP');
    expect(html).toContain('ada@example.com');
    expect(html).toMatch(/<label for="password">Password<\/label>/);

    const callbackUrl = await completeLogin(loginPageUrl, ADA, jar);
    const callback = new URL(callbackUrl);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);

    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    const idToken = tokens.claims()!;
    expect(idToken).toMatchObject({
      iss: idp.issuer,
      aud: 'test-web',
      sub: '00u1ada',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      email_verified: true,
      preferred_username: 'ada@example.com',
      groups: ['Everyone', 'admins'],
      auth_time: expect.any(Number),
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope?.split(' ').sort()).toEqual([
      'email',
      'offline_access',
      'openid',
      'profile',
    ]);

    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/v1/keys`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: idp.issuer,
      audience: 'api://default',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(protectedHeader.typ).toBeUndefined();
    expect(payload).toMatchObject({
      sub: 'ada@example.com',
      uid: '00u1ada',
      cid: 'test-web',
      ver: 1,
    });
    expect((payload.scp as string[]).sort()).toEqual([
      'email',
      'offline_access',
      'openid',
      'profile',
    ]);
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.exp! - payload.iat!).toBe(3600);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, '00u1ada');
    expect(userinfo).toMatchObject({
      sub: '00u1ada',
      email: 'ada@example.com',
      groups: ['Everyone', 'admins'],
    });
  });

  it('shows a readable error and issues no code for a wrong password', async () => {
    const { url } = await authorizationRequest(config);
    const jar = new CookieJar();
    const loginPageUrl = new URL((await jar.fetch(url)).headers.get('location')!, url).href;
    const response = await jar.fetch(loginPageUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'ada@example.com', password: 'nope' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('Wrong email or password');
    expect(html).toContain('value="ada@example.com"');
    await expect(
      completeLogin(loginPageUrl, { ...ADA, password: 'nope' }, jar),
    ).rejects.toMatchObject({
      code: 'ERR_DEV_IDP_WRONG_PASSWORD',
    });
  });

  it('escapes what it echoes back into the login page', async () => {
    const { url } = await authorizationRequest(config, 'openid', {
      login_hint: '"><script>x()</script>',
    });
    const jar = new CookieJar();
    const loginPageUrl = new URL((await jar.fetch(url)).headers.get('location')!, url).href;
    const html = await (await jar.fetch(loginPageUrl)).text();
    expect(html).not.toContain('<script>x()');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('sends error=access_denied to the redirect URI on Cancel', async () => {
    const { url, checks } = await authorizationRequest(config);
    const jar = new CookieJar();
    const loginPageUrl = new URL((await jar.fetch(url)).headers.get('location')!, url).href;
    let response = await jar.fetch(`${loginPageUrl}/cancel`, { method: 'POST' });
    let location = new URL(response.headers.get('location')!, loginPageUrl);
    while (location.origin === idp.url) {
      response = await jar.fetch(location);
      location = new URL(response.headers.get('location')!, location);
    }
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe(checks.expectedState);
    await expect(client.authorizationCodeGrant(config, location, checks)).rejects.toMatchObject({
      error: 'access_denied',
    });
  });

  it('answers prompt=none with login_required when there is no session', async () => {
    const { url } = await authorizationRequest(config, 'openid', { prompt: 'none' });
    const response = await new CookieJar().fetch(url);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('login_required');
  });

  it('requires PKCE', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
    });
    const location = new URL((await new CookieJar().fetch(url)).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('rotates refresh tokens: a used refresh token is refused', async () => {
    const { url, checks } = await authorizationRequest(config);
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(await signIn(url, ADA)),
      checks,
    );
    const first = tokens.refresh_token!;
    const refreshed = await client.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first);
    expect(decodeProtectedHeader(refreshed.access_token).alg).toBe('RS256');
    expect(refreshed.claims()?.sub).toBe('00u1ada');
    await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('signs in without a login page when the IdP session exists (SSO)', async () => {
    const jar = new CookieJar();
    const a = await authorizationRequest(config);
    await signIn(a.url, ADA, jar);
    const b = await authorizationRequest(config, 'openid', { prompt: 'none' });
    const callback = new URL(await signIn(b.url, { email: 'x', password: 'x' }, jar));
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('signIn rejects with a stable code when the page is unexpected', async () => {
    await expect(signIn(`${idp.url}/nope`, ADA)).rejects.toBeInstanceOf(DevIdpSignInError);
  });
});
