import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClients, signIn, startDevIdp, type DevIdp } from '../src/index.js';
import { ADA } from './support.js';

/** A stand-in for the Gatehouse backend: it only publishes the client's public JWKS. */
async function startJwksServer(publicJwk: object): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}` };
}

describe('the bound demo client (private_key_jwt, PAR required, DPoP)', () => {
  let idp: DevIdp;
  let jwks: { server: Server; url: string };
  let privateKey: CryptoKey;
  let config: client.Configuration;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    jwks = await startJwksServer({ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' });
    idp = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      fixedDemoCredentials: true,
      dpopNonce: true,
      par: true,
      clients: demoClients({ backendUrl: jwks.url }),
    });
    config = await client.discovery(
      new URL(idp.issuer),
      'gatehouse-demo-bound',
      undefined,
      client.PrivateKeyJwt({ key: privateKey, kid: 'k1' }),
      { execute: [client.allowInsecureRequests] },
    );
  });
  afterAll(async () => {
    await idp.close();
    await new Promise((resolve) => jwks.server.close(resolve));
  });

  it('advertises PAR and DPoP in discovery', () => {
    const metadata = config.serverMetadata();
    expect(metadata.pushed_authorization_request_endpoint).toBe(`${idp.issuer}/v1/par`);
    expect(metadata.dpop_signing_alg_values_supported).toContain('ES256');
  });

  it('refuses a plain authorization request for a client that requires PAR', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${jwks.url}/signin-oidc`,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const response = await fetch(url, { redirect: 'manual' });
    await response.body?.cancel();
    const location = new URL(response.headers.get('location') ?? '', url);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('signs in through PAR and gets a DPoP-bound access token, with a provider nonce', async () => {
    const dpopKeys = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, dpopKeys);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: `${jwks.url}/signin-oidc`,
        scope: 'openid profile',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      },
      { DPoP },
    );
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const callback = await signIn(url, ADA);
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(callback),
      { pkceCodeVerifier: verifier, expectedState: state },
      undefined,
      { DPoP },
    );
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toMatchObject({ jkt: expect.any(String) });
  });

  it('refuses a DPoP proof without the provider nonce (dpopNonce: true)', async () => {
    const { privateKey: proofKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({
      htm: 'POST',
      htu: `${idp.issuer}/v1/token`,
      jti: crypto.randomUUID(),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .setIssuedAt()
      .sign(proofKey);
    const response = await fetch(`${idp.issuer}/v1/token`, {
      method: 'POST',
      headers: {
        dpop: proof,
        authorization: `Basic ${btoa('gatehouse-cli:gatehouse-cli-secret')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'use_dpop_nonce' });
    expect(response.headers.get('dpop-nonce')).toBeTruthy();
  });
});
