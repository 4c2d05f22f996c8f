import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, signIn, signOut, type DevIdp } from '../src/index.js';
import {
  ADA,
  POST_LOGOUT_URI,
  TEST_WEB_CLIENT,
  authorizationRequest,
  discover,
} from './support.js';
import { startDevIdp } from '../src/index.js';

describe('logout', () => {
  let idp: DevIdp;
  let config: client.Configuration;
  let receiver: Server;
  const logoutTokens: string[] = [];

  beforeAll(async () => {
    receiver = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && req.url === '/backchannel-logout' && token)
        logoutTokens.push(token);
      res.end();
    });
    receiver.listen(0, 'localhost');
    await once(receiver, 'listening');
    const backchannel = `http://localhost:${(receiver.address() as AddressInfo).port}/backchannel-logout`;
    idp = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      fixedDemoCredentials: true,
      clients: [
        {
          ...TEST_WEB_CLIENT,
          backchannel_logout_uri: backchannel,
          backchannel_logout_session_required: true,
        },
      ],
    });
    config = await discover(idp);
  });
  afterAll(async () => {
    await idp.close();
    receiver.close();
    receiver.closeAllConnections();
  });

  it('ends the IdP session, sends a back-channel logout token and shows the login page next time', async () => {
    const jar = new CookieJar();
    const { url, checks } = await authorizationRequest(config);
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(await signIn(url, ADA, jar)),
      checks,
    );
    const { sid } = tokens.claims()!;
    expect(sid).toEqual(expect.any(String));

    const endSessionUrl = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye',
    });
    const page = await jar.fetch(endSessionUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
    const html = await page.text();
    expect(html).toContain('Signing out');
    expect(html).not.toMatch(/Do you want to sign-out/i);

    const landing = await signOut(endSessionUrl, jar);
    expect(landing).toBe(`${POST_LOGOUT_URI}?state=bye`);

    expect(logoutTokens).toHaveLength(1);
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/v1/keys`));
    const { payload } = await jwtVerify(logoutTokens[0]!, jwks, {
      issuer: idp.issuer,
      audience: 'test-web',
    });
    expect(payload).toMatchObject({
      sub: '00u1ada',
      sid,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    });

    const again = await authorizationRequest(config);
    const response = await jar.fetch(again.url);
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!, again.url).pathname).toMatch(
      /^\/interaction\//,
    );
  });

  it('refuses a post_logout_redirect_uri that is not registered', async () => {
    const jar = new CookieJar();
    const { url, checks } = await authorizationRequest(config, 'openid');
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(await signIn(url, ADA, jar)),
      checks,
    );
    const endSessionUrl = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://evil.example/',
    });
    const response = await jar.fetch(endSessionUrl);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('post_logout_redirect_uri not registered');
  });

  it('shows a signed-out page when no post_logout_redirect_uri is given', async () => {
    const jar = new CookieJar();
    const { url } = await authorizationRequest(config, 'openid');
    await signIn(url, ADA, jar);
    const landing = await signOut(`${idp.issuer}/v1/logout?client_id=test-web`, jar);
    expect(new URL(landing).pathname).toBe('/oauth2/default/v1/logout/success');
    const page = await jar.fetch(landing);
    expect(await page.text()).toContain('You are signed out');
  });
});
