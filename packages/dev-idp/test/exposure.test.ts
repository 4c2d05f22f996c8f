// The dev IdP refuses to serve others unless told by name that it is unsafe on purpose, and a
// library caller never gets the demo's published passwords and secrets by accident.
import * as client from 'openid-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isLoopbackHost } from '../src/exposure.js';
import { CookieJar, signIn, startDevIdp, type DevIdp, type DevIdpOptions } from '../src/index.js';
import { authorizationRequest, startTestIdp } from './support.js';

const PUBLISHED = ['gatehouse-demo-secret', 'gatehouse-cli-secret', 'ada-dev-password'];
const listeningServers = () =>
  process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;

/** Starts a dev IdP that must be refused: no server may be left listening. */
async function expectRefused(options: DevIdpOptions, reason: RegExp): Promise<void> {
  const before = listeningServers();
  const refused = startDevIdp({ port: 0, keysFile: false, quiet: true, ...options });
  await expect(refused).rejects.toMatchObject({
    name: 'DevIdpUnsafeError',
    code: 'ERR_DEV_IDP_UNSAFE',
    message: expect.stringMatching(reason),
  });
  expect(listeningServers()).toBe(before);
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('where it may run', () => {
  it('refuses NODE_ENV=production (its login page would serve anyone), naming unsafeAllowRemote', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    await expectRefused({}, /NODE_ENV=production.*unsafeAllowRemote: true.*--unsafe-allow-remote/);
    await expectRefused({ fixedDemoCredentials: true }, /unsafeAllowRemote: true/);
  });

  it.each(['0.0.0.0', '::', '', '10.0.0.7', 'idp.example.com'])(
    'refuses a bind beyond loopback (host %j): the network could reach it',
    async (host) => {
      await expectRefused({ host }, /not loopback.*unsafeAllowRemote: true/);
    },
  );

  it('loopback names and addresses count as loopback, nothing else does', () => {
    const loopback = ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.8.7', '127.1', '::1', '[::1]'];
    for (const host of [...loopback, '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    const remote = [
      '0.0.0.0',
      '::',
      '',
      '128.0.0.1',
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '::ffff:7f0:1',
    ];
    for (const host of [...remote, 'example.com', 'localhost.example.com', '127.0.0.1.nip.io']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('with unsafeAllowRemote it starts on 0.0.0.0 and in production, with one loud warning each', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const remote = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      host: '0.0.0.0',
      unsafeAllowRemote: true,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const discovery = await fetch(
          `http://127.0.0.1:${remote.port}/oauth2/default/.well-known/openid-configuration`,
        );
        expect(discovery.status).toBe(200);
      }
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/^UNSAFE: .*host "0\.0\.0\.0", which is not loopback/),
        { code: 'GATEHOUSE_DEV_IDP_UNSAFE' },
      );
    } finally {
      await remote.close();
    }

    vi.stubEnv('NODE_ENV', 'production');
    const production = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      unsafeAllowRemote: true,
    });
    await production.close();
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenLastCalledWith(expect.stringMatching(/^UNSAFE: .*NODE_ENV=production/), {
      code: 'GATEHOUSE_DEV_IDP_UNSAFE',
    });
  });

  it('the opt-in never comes with the published demo passwords: fixedDemoCredentials is refused', async () => {
    await expectRefused(
      { host: '0.0.0.0', unsafeAllowRemote: true, fixedDemoCredentials: true },
      /fixedDemoCredentials cannot be used with host "0\.0\.0\.0"/,
    );
  });
});

describe('credentials of a library caller', () => {
  const started: DevIdp[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((idp) => idp.close()));
  });
  async function start(options: DevIdpOptions = {}): Promise<DevIdp> {
    const idp = await startDevIdp({ port: 0, keysFile: false, quiet: true, ...options });
    started.push(idp);
    return idp;
  }
  const secretOf = (idp: DevIdp, id: string) =>
    String(idp.clients.find((c) => c.client_id === id)?.client_secret);
  const passwordOf = (idp: DevIdp, email: string) =>
    String(idp.users.find((u) => u.email === email)?.password);

  it('without fixedDemoCredentials, secrets and passwords are generated: two instances differ, none is published', async () => {
    const [one, two] = [await start(), await start()];
    for (const [id, published] of [
      ['gatehouse-demo', 'gatehouse-demo-secret'],
      ['gatehouse-cli', 'gatehouse-cli-secret'],
    ] as const) {
      expect(secretOf(one, id)).toMatch(/^[\w-]{32}$/);
      expect(secretOf(one, id)).not.toBe(secretOf(two, id));
      expect(secretOf(one, id)).not.toBe(published);
    }
    expect(passwordOf(one, 'ada@example.com')).not.toBe(passwordOf(two, 'ada@example.com'));
    expect(one.users.map((u) => u.password)).not.toContain('ada-dev-password');
    expect(one.users.map((u) => u.password)).not.toContain('sam-dev-password');

    // The published secret is refused; the generated one is the one that works.
    const token = (secret: string) =>
      fetch(`${one.issuer}/v1/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`gatehouse-cli:${secret}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=api',
      });
    const published = await token('gatehouse-cli-secret');
    expect(published.status).toBe(401);
    expect(await published.json()).toMatchObject({ error: 'invalid_client' });
    expect((await token(secretOf(one, 'gatehouse-cli'))).status).toBe(200);
  });

  it('the login page shows no password, and the published one does not sign in; the generated one does', async () => {
    const idp = await start();
    const config = await client.discovery(
      new URL(idp.issuer),
      'gatehouse-demo',
      secretOf(idp, 'gatehouse-demo'),
      undefined,
      { execute: [client.allowInsecureRequests] },
    );
    const { url } = await authorizationRequest(config, 'openid', {
      redirect_uri: 'http://localhost:7156/signin-oidc',
    });
    const jar = new CookieJar();
    const toLogin = await jar.fetch(url);
    const loginUrl = new URL(toLogin.headers.get('location')!, url).href;
    const page = await jar.fetch(loginUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('ada@example.com');
    expect(html).toContain('Passwords are not shown');
    for (const secret of [...PUBLISHED, ...idp.users.map((u) => u.password)]) {
      expect(html).not.toContain(secret);
    }

    const ada = { email: 'ada@example.com', password: 'ada-dev-password' };
    await expect(signIn(url, ada, new CookieJar())).rejects.toMatchObject({
      code: 'ERR_DEV_IDP_WRONG_PASSWORD',
    });
    const callback = await signIn(url, { ...ada, password: passwordOf(idp, ada.email) });
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();
  });

  it('with fixedDemoCredentials (the loopback demo and tests) the published values stay', async () => {
    const idp = await startTestIdp({ clients: undefined });
    started.push(idp);
    expect(secretOf(idp, 'gatehouse-demo')).toBe('gatehouse-demo-secret');
    expect(passwordOf(idp, 'ada@example.com')).toBe('ada-dev-password');
  });
});
