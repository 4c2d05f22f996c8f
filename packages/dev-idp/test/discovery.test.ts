import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevIdp } from '../src/index.js';
import { startTestIdp } from './support.js';

describe('discovery', () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());

  it('publishes the issuer and Okta’s endpoint paths', async () => {
    expect(idp.issuer).toBe(`http://localhost:${idp.port}/oauth2/default`);
    expect(idp.url).toBe(`http://localhost:${idp.port}`);
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = await response.json();
    expect(metadata).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/v1/authorize`,
      token_endpoint: `${idp.issuer}/v1/token`,
      jwks_uri: `${idp.issuer}/v1/keys`,
      userinfo_endpoint: `${idp.issuer}/v1/userinfo`,
      end_session_endpoint: `${idp.issuer}/v1/logout`,
      introspection_endpoint: `${idp.issuer}/v1/introspect`,
      revocation_endpoint: `${idp.issuer}/v1/revoke`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      response_types_supported: ['code'],
    });
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'offline_access', 'groups', 'api']),
    );
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
  });

  it('publishes one RS256 signing key with a kid and no private part', async () => {
    const { keys } = await (await fetch(`${idp.issuer}/v1/keys`)).json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: expect.any(String),
    });
    expect(keys[0].d).toBeUndefined();
  });

  it('answers 404 JSON outside the issuer and the login pages', async () => {
    const response = await fetch(`${idp.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found', issuer: idp.issuer });
  });
});
