import { CookieJar } from '@gatehouse/dev-idp/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '@gatehouse/dev-idp/testing';

const main = fileURLToPath(new URL('../server/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-serve-'));
let provider: Server;
let issuer: string;
let backendPort: number;
const children: ChildProcess[] = [];

/** `npm run serve`'s command, with only the given environment. */
function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=@gatehouse/source', '--import', tsx, main], {
    cwd: dir,
    env: { PATH: process.env.PATH!, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

beforeAll(async () => {
  // Not the dev IdP: a plain oidc-provider with its own paths (/auth, /token, /jwks) and an
  // issuer at the root, as another vendor's provider would be. Only discovery tells them.
  const port = await freePort();
  backendPort = await freePort();
  issuer = `http://localhost:${port}`;
  const oidc = new Provider(issuer, {
    clients: [
      {
        client_id: 'other-client',
        client_secret: 'other-client-secret',
        redirect_uris: [`http://localhost:${backendPort}/signin-oidc`],
        post_logout_redirect_uris: ['http://localhost:5999'],
        grant_types: ['authorization_code', 'refresh_token'],
      },
    ],
    pkce: { required: () => true },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: 'Grace Hopper', email: 'grace@example.com' }),
    }),
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  });
  provider = createServer(oidc.callback());
  provider.listen(port, '127.0.0.1');
  await once(provider, 'listening');
});

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  provider?.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  OKTA_ISSUER_URL: issuer,
  OKTA_CLIENT_ID: 'other-client',
  OKTA_CLIENT_SECRET: 'other-client-secret',
  BACKEND_URL: `http://localhost:${backendPort}`,
  FRONTEND_URL: 'http://localhost:5999',
  SESSION_SECRET: 'serve-test-secret-'.repeat(3),
});

async function waitForHealth(url: string, output: () => string) {
  for (let i = 0; i < 150; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`backend did not start:\n${output()}`);
}

/** oidc-provider's development login and consent forms, filled in as a user would. */
async function signInAtProvider(jar: CookieJar, authorizeUrl: string): Promise<string> {
  let url = authorizeUrl;
  for (let step = 0; step < 12; step++) {
    const response = await jar.fetch(url);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location')!, url).href;
      if (url.includes('/signin-oidc')) return url;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form at ${url}`);
    const fields: Record<string, string> = html.includes('name="login"')
      ? { prompt: 'login', login: 'grace', password: 'any' }
      : { prompt: 'consent' };
    const posted = await jar.fetch(new URL(action, url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    url = new URL(posted.headers.get('location')!, url).href;
  }
  throw new Error('sign-in did not reach the callback');
}

test('npm run serve signs in against another OpenID provider with only environment variables', async () => {
  const backendUrl = `http://localhost:${backendPort}`;
  const { output } = serve(env());
  await waitForHealth(backendUrl, output);

  const jar = new CookieJar();
  const login = await jar.fetch(`${backendUrl}/login`);
  expect(login.status).toBe(302);
  expect(login.headers.get('location')!.startsWith(`${issuer}/auth?`)).toBe(true);
  const callback = await jar.fetch(await signInAtProvider(jar, login.headers.get('location')!));
  expect(callback.status).toBe(302);
  const me = await (await jar.fetch(`${backendUrl}/me`)).json();
  expect(me.user).toMatchObject({ sub: 'grace', name: 'Grace Hopper', email: 'grace@example.com' });
  const data = await jar.fetch(`${backendUrl}/secure-data`);
  expect(await data.json()).toMatchObject({ message: 'You are authenticated!' });
  expect(output()).not.toMatch(/code=|eyJ[\w-]+\.eyJ/); // request logs hold paths, never the callback's code
});

test('a missing variable stops npm run serve with a message that names it', async () => {
  const { OKTA_CLIENT_ID: _, ...rest } = env();
  const { child, output } = serve(rest);
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  expect(output()).toContain('Configuration error: OKTA_CLIENT_ID is required');
});

describe('/metrics of npm run serve', () => {
  /** `npm run serve` in production on its own port; stopped (and awaited) after `use`. */
  async function inProduction(extra: Record<string, string>, use: (url: string) => Promise<void>) {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    const { child, output } = serve({
      ...env(),
      // Production refuses an http issuer; nothing here needs the provider to answer.
      OKTA_ISSUER_URL: issuer.replace(/^http:/, 'https:'),
      BACKEND_URL: url,
      NODE_ENV: 'production',
      SESSION_STORE: `sqlite:${join(dir, `metrics-${port}.db`)}`,
      ...extra,
    });
    try {
      await waitForHealth(url, output);
      await use(url);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }

  test('is off by default with NODE_ENV=production', async () => {
    await inProduction({}, async (url) => {
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
    });
  });

  test('METRICS=on with METRICS_TOKEN: 401 JSON without the token, Prometheus text with it', async () => {
    const token = 'metrics-token-'.repeat(3);
    await inProduction({ METRICS: 'on', METRICS_TOKEN: token }, async (url) => {
      for (const authorization of [
        undefined,
        'Bearer wrong',
        `Basic ${token}`,
        `Bearer ${token}x`,
      ]) {
        const refused = await fetch(`${url}/metrics`, {
          headers: authorization ? { authorization } : {},
        });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
        expect(await refused.json()).toMatchObject({ error: 'unauthorized' });
      }
      const scraped = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('\ngatehouse_sign_ins_total 0\n');
    });
  });

  test('an unknown METRICS value stops npm run serve with a message that names it', async () => {
    const { child, output } = serve({ ...env(), METRICS: 'maybe' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('Configuration error: METRICS must be on or off, got maybe');
  });
});
