import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type DevIdp } from '../src/index.js';
import { ADA, authorizationRequest, discover, startTestIdp } from './support.js';

describe('client credentials, introspection and revocation', () => {
  let idp: DevIdp;
  let cli: client.Configuration;
  let web: client.Configuration;
  beforeAll(async () => {
    idp = await startTestIdp();
    cli = await discover(idp, 'gatehouse-cli');
    web = await discover(idp);
  });
  afterAll(() => idp.close());

  it('issues a JWT for api://default with scp [api] to the machine client', async () => {
    const tokens = await client.clientCredentialsGrant(cli, { scope: 'api' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/v1/keys`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer: idp.issuer,
      audience: 'api://default',
    });
    expect(payload).toMatchObject({ sub: 'gatehouse-cli', cid: 'gatehouse-cli', scp: ['api'] });
    expect(payload.uid).toBeUndefined();
  });

  it('refuses a scope the machine client is not registered for', async () => {
    await expect(client.clientCredentialsGrant(cli, { scope: 'openid' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
  });

  it('refuses a wrong client secret', async () => {
    const wrong = await discover(idp, 'gatehouse-cli', 'not-the-secret');
    await expect(client.clientCredentialsGrant(wrong, { scope: 'api' })).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('introspects a refresh token, then revokes it', async () => {
    const { url, checks } = await authorizationRequest(web);
    const tokens = await client.authorizationCodeGrant(
      web,
      new URL(await signIn(url, ADA)),
      checks,
    );
    const refreshToken = tokens.refresh_token!;

    const active = await client.tokenIntrospection(web, refreshToken);
    expect(active).toMatchObject({
      active: true,
      client_id: 'test-web',
      sub: '00u1ada',
      iss: idp.issuer,
    });

    await client.tokenRevocation(web, refreshToken);
    expect(await client.tokenIntrospection(web, refreshToken)).toEqual({ active: false });
    await expect(client.refreshTokenGrant(web, refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('needs client authentication to introspect', async () => {
    const response = await fetch(`${idp.issuer}/v1/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'anything' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers unsupported_token_type when asked to introspect a JWT access token (oidc-provider)', async () => {
    const { access_token } = await client.clientCredentialsGrant(cli, { scope: 'api' });
    await expect(client.tokenIntrospection(cli, access_token)).rejects.toMatchObject({
      error: 'unsupported_token_type',
    });
  });
});

describe('opaque access tokens (accessTokenFormat: opaque)', () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ accessTokenFormat: 'opaque' });
  });
  afterAll(() => idp.close());

  it('introspects to the Okta claims', async () => {
    const cli = await discover(idp, 'gatehouse-cli');
    const { access_token } = await client.clientCredentialsGrant(cli, { scope: 'api' });
    expect(access_token.split('.')).toHaveLength(1);
    const result = await client.tokenIntrospection(cli, access_token);
    expect(result).toMatchObject({
      active: true,
      aud: 'api://default',
      scope: 'api',
      scp: ['api'],
      cid: 'gatehouse-cli',
      client_id: 'gatehouse-cli',
      token_type: 'Bearer',
    });
  });

  it('serves userinfo for an opaque user access token', async () => {
    const web = await discover(idp);
    const { url, checks } = await authorizationRequest(web);
    const tokens = await client.authorizationCodeGrant(
      web,
      new URL(await signIn(url, ADA)),
      checks,
    );
    const info = await client.fetchUserInfo(web, tokens.access_token, '00u1ada');
    expect(info).toMatchObject({ sub: '00u1ada', name: 'Ada Lovelace', email: 'ada@example.com' });
    const introspected = await client.tokenIntrospection(web, tokens.access_token);
    expect(introspected).toMatchObject({
      active: true,
      sub: '00u1ada',
      uid: '00u1ada',
      cid: 'test-web',
    });
  });
});
