import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CookieJar,
  signIn,
  startDevIdp,
  type DevIdp,
  type DevIdpTenantInfo,
} from '../src/index.js';
import { ADA, REDIRECT_URI, authorizationRequest, startTestIdp } from './support.js';

const ACME_ADA = { email: 'ada@acme.example', password: 'ada-acme-password' };

async function discoverAt(issuer: string): Promise<client.Configuration> {
  const config = await client.discovery(new URL(issuer), 'test-web', 'test-web-secret', undefined, {
    execute: [client.allowInsecureRequests],
  });
  client.enableNonRepudiationChecks(config);
  return config;
}

/** Signs `who` in at the tenant of `config` and redeems the code: the token response. */
async function signInAt(config: client.Configuration, who: typeof ADA) {
  const { url, checks } = await authorizationRequest(config);
  const callback = new URL(await signIn(url, who, new CookieJar()));
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
  return client.authorizationCodeGrant(config, callback, checks);
}

describe('a second tenant (tenants: [{ id: "acme" }])', () => {
  let idp: DevIdp;
  let acme: DevIdpTenantInfo;
  let atDefault: client.Configuration;
  let atAcme: client.Configuration;
  beforeAll(async () => {
    idp = await startTestIdp({ tenants: [{ id: 'acme' }] });
    acme = idp.tenants[0]!;
    [atDefault, atAcme] = await Promise.all([discoverAt(idp.issuer), discoverAt(acme.issuer)]);
  });
  afterAll(() => idp.close());

  it('discovery names its own issuer and jwks_uri on the same port; default is unchanged', async () => {
    expect(acme.issuer).toBe(`http://localhost:${idp.port}/oauth2/acme`);
    expect(idp.issuer).toBe(`http://localhost:${idp.port}/oauth2/default`);
    const metadata = await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata).toMatchObject({
      issuer: acme.issuer,
      jwks_uri: `${acme.issuer}/v1/keys`,
      authorization_endpoint: `${acme.issuer}/v1/authorize`,
      token_endpoint: `${acme.issuer}/v1/token`,
      userinfo_endpoint: `${acme.issuer}/v1/userinfo`,
    });
    expect(atDefault.serverMetadata().issuer).toBe(idp.issuer);
  });

  it('signs with keys of its own: no kid is published by both tenants', async () => {
    const kids = async (issuer: string) =>
      ((await (await fetch(`${issuer}/v1/keys`)).json()) as { keys: { kid: string }[] }).keys.map(
        (key) => key.kid,
      );
    const [defaultKids, acmeKids] = await Promise.all([kids(idp.issuer), kids(acme.issuer)]);
    expect(acmeKids).toHaveLength(1);
    expect(acmeKids.filter((kid) => defaultKids.includes(kid))).toEqual([]);
  });

  it('signs each tenant’s own user in, with an ID token from that tenant', async () => {
    expect(acme.users.map((user) => user.email)).toEqual([
      'ada@acme.example',
      'grace@acme.example',
    ]);
    const atAcmeTokens = await signInAt(atAcme, ACME_ADA);
    expect(atAcmeTokens.claims()).toMatchObject({
      iss: acme.issuer,
      sub: '00uacme1ada',
      email: 'ada@acme.example',
    });
    const atDefaultTokens = await signInAt(atDefault, ADA);
    expect(atDefaultTokens.claims()).toMatchObject({ iss: idp.issuer, sub: '00u1ada' });
  });

  it('a user of one tenant cannot sign in at the other (wrong email or password)', async () => {
    const attempt = async (config: client.Configuration, who: typeof ADA) =>
      signIn((await authorizationRequest(config)).url, who, new CookieJar());
    await expect(attempt(atAcme, ADA)).rejects.toMatchObject({
      code: 'ERR_DEV_IDP_WRONG_PASSWORD',
      status: 401,
    });
    await expect(attempt(atDefault, ACME_ADA)).rejects.toMatchObject({
      code: 'ERR_DEV_IDP_WRONG_PASSWORD',
      status: 401,
    });
  });

  it('a refresh token of one tenant is unknown at the other: each tenant has its own store', async () => {
    const tokens = await signInAt(atDefault, ADA);
    const atHome = await client.tokenIntrospection(atDefault, tokens.refresh_token!);
    expect(atHome.active).toBe(true);
    const elsewhere = await client.tokenIntrospection(atAcme, tokens.refresh_token!);
    expect(elsewhere.active).toBe(false);
    await expect(client.refreshTokenGrant(atAcme, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('an access token of one tenant is refused by the other’s userinfo (401)', async () => {
    const tokens = await signInAt(atDefault, ADA);
    const response = await fetch(`${acme.issuer}/v1/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('gives the Acme users generated passwords without fixedDemoCredentials', async () => {
    const generated = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      tenants: [{ id: 'acme' }],
    });
    try {
      const password = generated.tenants[0]!.users[0]!.password;
      expect(password).not.toBe('ada-acme-password');
      expect(password.length).toBeGreaterThanOrEqual(20);
    } finally {
      await generated.close();
    }
  });

  it('refuses a tenant id that is default, repeated or not [a-z0-9-]', async () => {
    for (const tenants of [
      [{ id: 'default' }],
      [{ id: 'acme' }, { id: 'acme' }],
      [{ id: 'Acme/x' }],
    ]) {
      await expect(startTestIdp({ tenants })).rejects.toMatchObject({ code: 'ERR_DEV_IDP_CONFIG' });
    }
  });
});
