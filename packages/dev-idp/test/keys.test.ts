import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, signIn } from '../src/index.js';
import { ADA, authorizationRequest, discover, startTestIdp } from './support.js';

async function kids(issuer: string): Promise<string[]> {
  const { keys } = await (await fetch(`${issuer}/v1/keys`)).json();
  return keys.map((key: { kid: string }) => key.kid);
}

describe('signing keys', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-dev-idp-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are saved (mode 0600, folder created) and reused after a restart, so old tokens still verify', async () => {
    const keysFile = join(dir, 'nested', 'dev-idp-keys.json');
    const first = await startTestIdp({ keysFile });
    const { port, issuer } = first;
    const cli = await discover(first, 'gatehouse-cli');
    const { access_token } = await client.clientCredentialsGrant(cli, { scope: 'api' });
    const before = await kids(issuer);
    await first.close();

    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(keysFile, 'utf8'));
    expect(saved.keys[0]).toMatchObject({ kid: before[0], d: expect.any(String) });

    const second = await startTestIdp({ keysFile, port });
    try {
      expect(await kids(second.issuer)).toEqual(before);
      const jwks = createRemoteJWKSet(new URL(`${second.issuer}/v1/keys`));
      await expect(
        jwtVerify(access_token, jwks, { issuer, audience: 'api://default' }),
      ).resolves.toBeTruthy();
    } finally {
      await second.close();
    }
  });

  it('rotate: new tokens carry a new kid, both keys are published, sessions and refresh tokens live on', async () => {
    const keysFile = join(dir, 'rotating.json');
    const idp = await startTestIdp({ keysFile });
    try {
      const web = await discover(idp);
      const jar = new CookieJar();
      const { url, checks } = await authorizationRequest(web);
      const before = await client.authorizationCodeGrant(
        web,
        new URL(await signIn(url, ADA, jar)),
        checks,
      );
      const oldKid = decodeProtectedHeader(before.access_token).kid;

      await idp.rotateKeys();

      const published = await kids(idp.issuer);
      expect(published).toHaveLength(2);
      const newKid = published[0];
      expect(newKid).not.toBe(oldKid);
      expect(published[1]).toBe(oldKid);
      expect(
        JSON.parse(await readFile(keysFile, 'utf8')).keys.map((k: { kid: string }) => k.kid),
      ).toEqual(published);

      // openid-client caches the JWKS and refetches for an unknown kid only after 60 s:
      // a client that should see the new key at once needs a fresh Configuration.
      const fresh = await discover(idp);
      const refreshed = await client.refreshTokenGrant(fresh, before.refresh_token!);
      expect(decodeProtectedHeader(refreshed.access_token).kid).toBe(newKid);
      expect(decodeProtectedHeader(refreshed.id_token!).kid).toBe(newKid);

      const sso = await authorizationRequest(fresh, 'openid', { prompt: 'none' });
      const callback = new URL(await signIn(sso.url, ADA, jar));
      const after = await client.authorizationCodeGrant(fresh, callback, sso.checks);
      expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid);

      const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/v1/keys`));
      const options = { issuer: idp.issuer, audience: 'api://default' };
      await expect(jwtVerify(before.access_token, jwks, options)).resolves.toBeTruthy();
      await expect(jwtVerify(after.access_token, jwks, options)).resolves.toBeTruthy();
    } finally {
      await idp.close();
    }
  });
});

describe('lifecycle', () => {
  const listeningServers = () =>
    process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;

  it('close() stops listening and can be called twice; many starts leave no server behind', async () => {
    const baseline = listeningServers();
    for (let i = 0; i < 5; i++) {
      const idp = await startTestIdp();
      await fetch(`${idp.issuer}/.well-known/openid-configuration`);
      await Promise.all([idp.close(), idp.close()]);
      await expect(fetch(`${idp.issuer}/v1/keys`)).rejects.toThrow();
    }
    expect(listeningServers()).toBe(baseline);
  });

  it('names the bad option', async () => {
    await expect(startTestIdp({ accessTokenTtl: -1 })).rejects.toThrow(/accessTokenTtl/);
    await expect(startTestIdp({ port: 70000 })).rejects.toThrow(/port/);
    await expect(startTestIdp({ users: [] })).rejects.toThrow(/options\.users/);
  });
});
