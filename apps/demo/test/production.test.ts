// The demo backend as deployed: /readyz, /metrics, the built front end from one origin, and a
// graceful shutdown of `npm run serve` on SIGTERM.
import type { DevIdp } from '@gatehouse/dev-idp';
import {
  ConfigError,
  createGatehouse,
  ENV_NAMES,
  MemoryStore,
  optionsFromEnv,
  parseConfig,
  type SessionStore,
} from '@gatehouse/server';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildDemoApp, metricsFromEnv } from '../server/app.js';
import { freePort } from '@gatehouse/dev-idp/testing';
import {
  CLIENT,
  doctoredDiscovery,
  startIdp,
} from '../../../packages/server/test/doctor/support.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-production-'));
let idp: DevIdp;
beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function demo({
  issuer = idp.issuer,
  store = new MemoryStore() as SessionStore,
  webRoot,
  metrics,
  metricsToken,
}: {
  issuer?: string;
  store?: SessionStore;
  webRoot?: string;
  metrics?: boolean;
  metricsToken?: string;
} = {}) {
  const gatehouse = createGatehouse({
    issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    backendUrl: 'http://localhost:7156',
    frontendUrl: 'http://localhost:7156',
    sessionSecret: 'production-test-secret-'.repeat(2),
    sessionStore: store,
    httpTimeout: 1,
    logger: pino({ level: 'silent' }),
  });
  const app = await buildDemoApp({ gatehouse, webRoot, metrics, metricsToken });
  return {
    app,
    async close() {
      await app.close();
      await gatehouse.close();
    },
  };
}

describe('readiness and metrics', () => {
  test('/readyz loads discovery and pings the store, then answers 200', async () => {
    const { app, close } = await demo();
    try {
      const ready = await app.inject('/readyz');
      expect(ready.json()).toEqual({ status: 'ready', checks: { discovery: 'ok', store: 'ok' } });
      expect(ready.statusCode).toBe(200);
    } finally {
      await close();
    }
  });

  test('/readyz is 503 and says which: the provider down, the store closed', async () => {
    const store = new SqliteStore(join(dir, 'ready.db'));
    const port = await freePort();
    const { app, close } = await demo({ issuer: `http://localhost:${port}/oauth2/default`, store });
    try {
      await store.close();
      const response = await app.inject('/readyz');
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        status: 'not ready',
        checks: {
          discovery:
            'not loaded: The identity provider is unreachable right now. Try again in a moment. (retrying)',
          store:
            'not answering: The session store is not available right now. Try again in a moment.',
        },
      });
      expect((await app.inject('/healthz')).statusCode).toBe(200); // alive, only not ready
    } finally {
      await close();
    }
  });

  test('/metrics serves Prometheus text, and is gone with metrics off', async () => {
    const on = await demo();
    try {
      await on.app.inject('/readyz'); // discovery: one provider call
      const metrics = await on.app.inject('/metrics');
      expect(metrics.statusCode).toBe(200);
      expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(metrics.body).toContain('\ngatehouse_sign_ins_total 0\n');
      expect(metrics.body).toContain('\ngatehouse_active_sessions 0\n');
      expect(metrics.body).toMatch(
        /\ngatehouse_provider_call_duration_seconds_count\{outcome="ok",step="discovery"\} \d+\n/,
      );
    } finally {
      await on.close();
    }
    const off = await demo({ metrics: false });
    try {
      expect((await off.app.inject('/metrics')).statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });

  test.each([
    [undefined, 'production', false],
    ['', 'production', false],
    ['on', 'production', true],
    ['ON', 'production', true],
    ['true', 'production', true],
    ['off', 'production', false],
    [undefined, undefined, true],
    [undefined, 'development', true],
    ['off', undefined, false],
    ['0', undefined, false],
    ['1', undefined, true],
  ])('METRICS=%s with NODE_ENV=%s: metrics %s', (value, nodeEnv, expected) => {
    expect(metricsFromEnv(value, nodeEnv)).toBe(expected);
  });

  test('an unknown METRICS value is a configuration error, not a guess', () => {
    expect(() => metricsFromEnv('yes please', 'production')).toThrow(
      'METRICS must be on or off, got yes please',
    );
  });

  test('with a metrics token, /metrics answers only its Bearer: 401 JSON otherwise', async () => {
    const token = 's3cret-metrics-token';
    const { app, close } = await demo({ metricsToken: token });
    try {
      for (const authorization of [
        undefined,
        '',
        'Bearer',
        'Bearer ',
        'Bearer wrong',
        `Bearer ${token.slice(0, -1)}`,
        `Bearer ${token}x`,
        `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
        token,
      ]) {
        const refused = await app.inject({
          url: '/metrics',
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(refused.statusCode, String(authorization)).toBe(401);
        expect(refused.headers['content-type']).toMatch(/^application\/json/);
        expect(refused.headers['www-authenticate']).toBe('Bearer realm="metrics"');
        expect(refused.json()).toEqual({
          error: 'unauthorized',
          error_description: 'The metrics need METRICS_TOKEN as a Bearer token.',
        });
        expect(refused.body).not.toContain('gatehouse_');
      }
      for (const authorization of [`Bearer ${token}`, `bearer ${token}`]) {
        const scraped = await app.inject({ url: '/metrics', headers: { authorization } });
        expect(scraped.statusCode).toBe(200);
        expect(scraped.body).toContain('\ngatehouse_sign_ins_total 0\n');
      }
    } finally {
      await close();
    }
  });

  test('scrapes do not each count the store: the gauge is counted once per 15 s at most', async () => {
    const store = new MemoryStore();
    const count = vi.spyOn(store, 'count');
    const { app, close } = await demo({ store });
    try {
      for (let i = 0; i < 10; i++) {
        const scrape = await app.inject('/metrics');
        expect(scrape.body).toContain('\ngatehouse_active_sessions 0\n');
      }
      expect(count).toHaveBeenCalledTimes(1);
    } finally {
      await close();
    }
  });
});

test('the built front end is served from the backend: one origin, app routes fall back to index.html', async () => {
  const webRoot = join(dir, 'web');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")');
  const { app, close } = await demo({ webRoot });
  try {
    const html = { accept: 'text/html' };
    expect((await app.inject({ url: '/', headers: html })).body).toContain('<div id="root">');
    expect((await app.inject({ url: '/profile', headers: html })).body).toContain(
      '<div id="root">',
    );
    const script = await app.inject('/assets/app.js');
    expect(script.headers['content-type']).toContain('javascript');
    const api = await app.inject('/nope');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: 'not_found' });
    expect((await app.inject('/secure-data')).statusCode).toBe(401); // API routes win over the app
  } finally {
    await close();
  }
});

describe('npm run serve shuts down gracefully', () => {
  const main = fileURLToPath(new URL('../server/main.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  async function serve(issuer: string, env: Record<string, string> = {}) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--conditions=@gatehouse/source', '--import', tsx, main],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH!,
          OKTA_ISSUER_URL: issuer,
          OKTA_CLIENT_ID: CLIENT.id,
          OKTA_CLIENT_SECRET: CLIENT.secret,
          BACKEND_URL: `http://localhost:${port}`,
          FRONTEND_URL: 'http://localhost:5173',
          SESSION_SECRET: 'serve-shutdown-secret-'.repeat(2),
          SESSION_STORE: `sqlite:${join(dir, `serve-${port}.db`)}`,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const url = `http://localhost:${port}`;
    for (let i = 0; i < 150; i++) {
      if (
        await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { child, url, output: () => output };
  }

  /** A provider whose discovery answers after `delay` ms: a request waiting on it is in flight. */
  const slowProvider = (delay: number) =>
    doctoredDiscovery(idp, (document, url) => ({ ...document, issuer: url }), {}).then((server) => {
      const handler = server.server.listeners('request')[0] as (...args: unknown[]) => void;
      server.server.removeAllListeners('request');
      server.server.on('request', (...args) => setTimeout(() => handler(...args), delay));
      return server;
    });

  test('SIGTERM lets an in-flight request finish, closes the store and exits 0', async () => {
    const provider = await slowProvider(1500);
    try {
      const { child, url, output } = await serve(provider.url);
      const inFlight = fetch(`${url}/login`, { redirect: 'manual' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGTERM');
      const response = await inFlight;
      expect(response.status).toBe(302); // discovery arrived after the signal; the sign-in still started
      expect(response.headers.get('location')).toContain(`${idp.issuer}/v1/authorize`);
      const responded = Date.now();
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      // The client's keep-alive connection, idle once answered, does not hold the exit back
      // until SHUTDOWN_TIMEOUT (10 s).
      expect(Date.now() - responded).toBeLessThan(3000);
      expect(output()).toContain('shutting down: finishing in-flight requests');
      await expect(fetch(`${url}/healthz`)).rejects.toThrow(); // no longer accepting
    } finally {
      await provider.close();
    }
  });

  test('a request still running after SHUTDOWN_TIMEOUT has its connection closed, and the exit is 0', async () => {
    const provider = await slowProvider(8000);
    try {
      const { child, url, output } = await serve(provider.url, {
        SHUTDOWN_TIMEOUT: '1',
        HTTP_TIMEOUT: '20',
      });
      const inFlight = fetch(`${url}/login`, { redirect: 'manual' }).then(
        (response) => response.status,
        () => 'closed',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(await inFlight).toBe('closed');
      expect(output()).toContain('requests still running after 1 s: closing their connections');
    } finally {
      await provider.close();
    }
  });
});

describe("production refuses the demo's public values", () => {
  const main = fileURLToPath(new URL('../server/main.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  /** The variables of `npm start` (scripts/start.mjs), as a `.env` copied from it would hold. */
  const DEMO_ENV = {
    OKTA_ISSUER_URL: 'http://localhost:7157/oauth2/default',
    OKTA_CLIENT_ID: 'gatehouse-demo',
    OKTA_CLIENT_SECRET: 'gatehouse-demo-secret',
    BACKEND_URL: 'http://localhost:7156',
    FRONTEND_URL: 'http://localhost:5173',
    SESSION_SECRET: 'production-test-secret-'.repeat(2),
  };
  const parse = (env: Record<string, string>) => () =>
    parseConfig(optionsFromEnv({ ...DEMO_ENV, NODE_ENV: 'production', ...env }), ENV_NAMES);

  test("npm run serve with the demo's .env and NODE_ENV=production stops with exit 1, naming OKTA_ISSUER_URL", async () => {
    // PORT: were it to start after all, it must not take the demo's fixed port.
    const env = { ...DEMO_ENV, NODE_ENV: 'production', PORT: String(await freePort()) };
    const child = spawn(
      process.execPath,
      ['--conditions=@gatehouse/source', '--import', tsx, main],
      { cwd: dir, env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const running = setTimeout(() => child.kill('SIGKILL'), 10_000);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const [code] = await once(child, 'exit');
    clearTimeout(running);
    expect(code).toBe(1);
    expect(output).toContain(
      'Configuration error: OKTA_ISSUER_URL must be https in production, got http://localhost:7157/oauth2/default: an http issuer on loopback is a local provider such as the dev IdP',
    );
  });

  test.each([
    'http://localhost:7157/oauth2/default',
    'http://127.0.0.1:7157/oauth2/default',
    'http://[::1]:7157/',
  ])('a loopback http issuer (the dev IdP) is refused in production: %s', (issuer) => {
    expect(parse({ OKTA_ISSUER_URL: issuer })).toThrow(
      new ConfigError(
        `OKTA_ISSUER_URL must be https in production, got ${new URL(issuer).href}: an http issuer on loopback is a local provider such as the dev IdP, which is for development only (UNSAFE_ALLOW_DEV_PROVIDER=true accepts it for a production build tested on this machine)`,
      ),
    );
  });

  test("the demo's published client secret is refused in production, whatever the issuer", () => {
    const issuer = { OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default' };
    for (const secret of [
      'gatehouse-demo-secret',
      'gatehouse-cli-secret',
      ' gatehouse-demo-secret ',
    ]) {
      expect(parse({ ...issuer, OKTA_CLIENT_SECRET: secret })).toThrow(
        "OKTA_CLIENT_SECRET is the demo's published client secret, refused in production",
      );
    }
    expect(
      parse({ ...issuer, OKTA_CLIENT_SECRET: 'a-real-client-secret-from-okta' }),
    ).not.toThrow();
  });

  test('a SESSION_SECRET built from the demo secret is refused in production', () => {
    expect(
      parse({
        OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
        OKTA_CLIENT_SECRET: 'a-real-client-secret-from-okta',
        SESSION_SECRET: 'gatehouse-demo-secret-gatehouse-demo-secret',
      }),
    ).toThrow("SESSION_SECRET contains the demo's published client secret, refused in production");
  });

  test('UNSAFE_ALLOW_DEV_PROVIDER, said by name, lets a production build run against the dev IdP (CI); anything else is refused', () => {
    const demoValues = { OKTA_CLIENT_SECRET: 'gatehouse-demo-secret' };
    expect(parse({ ...demoValues, UNSAFE_ALLOW_DEV_PROVIDER: 'true' })().dev).toBe(false);
    expect(parse({ ...demoValues, UNSAFE_ALLOW_DEV_PROVIDER: 'false' })).toThrow(
      'OKTA_ISSUER_URL must be https in production',
    );
    expect(parse({ ...demoValues, UNSAFE_ALLOW_DEV_PROVIDER: 'yes please' })).toThrow(
      new ConfigError('UNSAFE_ALLOW_DEV_PROVIDER must be true or false, got yes please'),
    );
  });

  test("outside production the demo's values still start (npm start), and production takes an https issuer on loopback", () => {
    expect(parseConfig(optionsFromEnv({ ...DEMO_ENV }), ENV_NAMES).dev).toBe(true);
    expect(
      parse({
        OKTA_ISSUER_URL: 'https://localhost:8443/oauth2/default',
        OKTA_CLIENT_SECRET: 'a-real-client-secret-from-okta',
      })().dev,
    ).toBe(false);
  });
});
