// examples/next as its users run it: the packages are built (on a copy: the working tree gets no
// dist/), the example installs them with next from the registry (on a copy: the workspace never
// installs next), `next build`, then `next start` against a real dev IdP. A browser-like cookie
// jar signs in, and the pages, the proxy, the route handlers and Gatehouse's routes answer.
//
// Then the conformance suite every adapter passes runs against the same build, one `next start`
// per world of the suite, configured from the suite's options through the environment. Next
// runs in a child process (in this one, the test runner's module loading and the app's own
// copy of the package would mix), so the Gatehouse handed back to the suite is a twin built
// from the same options, and the app's log lines are passed on to the suite's logger.
import { demoClients, startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import { CookieJar, freePort, signIn } from '@gatehouse/dev-idp/testing';
import { createGatehouse, type GatehouseOptions } from '@gatehouse/server';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { channel } from 'node:diagnostics_channel';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, cliToken } from '../bearer/support.js';
import { conformance, type Start } from '../conformance/suite.js';
import { prefetchClickSignIn, serverWarnings } from './browser.js';
import { exampleEnv, localPort, readEnvFile } from '../support/example-env.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MINUTE = 60_000;
/** The example's env file, which its test runs with; and the dev IdP's port in it. */
const ENV_FILE = new URL('examples/next/.env.example', pathToFileURL(ROOT));
const DEV_IDP_PORT = 7157;

/** npm's own variables from an outer `npm test` would point the inner npm at the workspace. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig|cafile)$/i.test(key),
  ),
);

function mustRun(cmd: string, args: string[], cwd: string, timeout = 5 * MINUTE) {
  return new Promise<string>((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...env, NEXT_TELEMETRY_DISABLED: '1' }, timeout, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`))
          : resolve(stdout),
    );
  });
}

let tmp = '';
let app = '';
let url = '';
let idp: DevIdp | undefined;
let next: NextProcess | undefined;
const timings: string[] = [];

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  timings.push(`${step} ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

/** Copies `dir` of the repository to the same place under `tmp`, without build output. */
async function copy(dir: string) {
  await cp(join(ROOT, dir), join(tmp, dir), {
    recursive: true,
    filter: (source) =>
      !/^(node_modules|dist|test|\.next|next-env\.d\.ts)(\/|$)/.test(
        relative(join(ROOT, dir), source),
      ),
  });
}

interface NextProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** `next start` of the built example on `port`, with `vars`; resolves once it answers. */
async function nextStart(
  port: number,
  vars: Record<string, string>,
  onLine: (line: string) => void = () => {},
): Promise<NextProcess> {
  let output = '';
  let partial = '';
  const args = ['node_modules/next/dist/bin/next', 'start', '--port', String(port)];
  const child = spawn('node', [...args, '--hostname', 'localhost'], {
    cwd: app,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // `next start` is production, which refuses a loopback http issuer unless told by name.
    env: {
      ...env,
      NEXT_TELEMETRY_DISABLED: '1',
      SESSION_STORE: 'memory',
      UNSAFE_ALLOW_DEV_PROVIDER: 'true',
      ...vars,
    },
  });
  child.stdout!.on('data', (chunk) => {
    output += String(chunk);
    const lines = (partial + String(chunk)).split('\n');
    partial = lines.pop()!;
    lines.forEach(onLine);
  });
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  };
  const deadline = Date.now() + MINUTE;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
    try {
      await fetch(`http://localhost:${port}/`, { redirect: 'manual' });
      return { child, output: () => output, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The environment of lib/gatehouse.ts (optionsFromEnv) for these options. */
function envOf(options: GatehouseOptions): Record<string, string> {
  return {
    OKTA_ISSUER_URL: options.issuer ?? '',
    OKTA_CLIENT_ID: options.clientId ?? '',
    OKTA_CLIENT_SECRET: options.clientSecret ?? '',
    BACKEND_URL: options.backendUrl,
    FRONTEND_URL: options.frontendUrl,
    SESSION_SECRET: String(options.sessionSecret),
    ...(options.remoteApis && { REMOTE_APIS: JSON.stringify(options.remoteApis) }),
    ...(options.providers && { PROVIDERS: JSON.stringify(options.providers) }),
  };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gatehouse-next-'));
  // The repository's layout, so the example's file:../../packages/* find the copies.
  await cp(join(ROOT, 'tsconfig.base.json'), join(tmp, 'tsconfig.base.json'));
  await symlink(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  await Promise.all(['packages/server', 'packages/react', 'examples/next'].map(copy));
  await timed('build packages', () =>
    Promise.all(
      ['packages/server', 'packages/react'].map((dir) =>
        mustRun('npm', ['run', 'build'], join(tmp, dir)),
      ),
    ),
  );
  app = join(tmp, 'examples/next');
  await timed('install', () =>
    mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app),
  );
  await timed('next build', () =>
    mustRun('node', ['node_modules/next/dist/bin/next', 'build'], app, 10 * MINUTE),
  );
}, 15 * MINUTE);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (timings.length) console.info(`examples/next: ${timings.join(', ')}`);
});

describe('examples/next on next start', () => {
  beforeAll(async () => {
    const port = await freePort();
    url = `http://localhost:${port}`;
    // The dev IdP as `npm start -w packages/dev-idp -- --backend-url <url> --frontend-url <url>`
    // serves it on loopback: the demo's fixed clients and users.
    idp = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      par: true,
      fixedDemoCredentials: true,
      clients: demoClients({ backendUrl: url, frontendUrl: url }),
    });
    // The example's own .env.example, only the ports changed: a wrong issuer path, client id or
    // secret in it fails here. `next start` is production, where an empty SESSION_SECRET is
    // refused (`next dev` generates one), so the test fills it.
    const vars = exampleEnv(ENV_FILE, {
      [DEV_IDP_PORT]: Number(new URL(idp.issuer).port),
      [localPort(readEnvFile(ENV_FILE).BACKEND_URL)!]: port,
    });
    next = await timed('next start', () =>
      nextStart(port, { ...vars, SESSION_SECRET: vars.SESSION_SECRET || 'test-secret-'.repeat(4) }),
    );
  }, 2 * MINUTE);

  afterAll(async () => {
    await next?.stop();
    await idp?.close();
  }, MINUTE);

  it('signed out: the home page offers sign-in, the guarded paths refuse', async () => {
    const home = await fetch(`${url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Sign in');

    // proxy.ts: a page redirects to sign-in and back.
    const page = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    expect(page.status).toBe(307);
    const location = new URL(page.headers.get('location')!, url);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('returnTo')).toBe('/dashboard');

    // requireAuth: 401 JSON with the Bearer challenge.
    const api = await fetch(`${url}/api/secure-data`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/application\/json/);
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await api.json()).toMatchObject({ error: expect.any(String) });

    expect((await fetch(`${url}/me`)).status).toBe(401);
    const unknown = await fetch(`${url}/no-such-path`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
  });

  it('signs in through the dev IdP; the page renders the user from auth(); logout ends it', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${url}/login?returnTo=/dashboard`);
    expect(login.status).toBe(302);
    const callback = await signIn(login.headers.get('location')!, ADA, jar);
    expect(new URL(callback).pathname).toBe('/signin-oidc');
    const back = await jar.fetch(callback);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`${url}/dashboard`);

    // Server-rendered: the page's auth(), and the layout's initialUser (AuthProvider's first
    // render is signed in, in the server's HTML).
    const dashboard = await jar.fetch(`${url}/dashboard`);
    expect(dashboard.status).toBe(200);
    const html = await dashboard.text();
    expect(html).toMatch(/data-testid="server-user">[^<]+</);
    expect(html).toContain(ADA.email);
    expect(html).toMatch(new RegExp(`data-testid="client-user">${ADA.email}<`));

    const data = await jar.fetch(`${url}/api/secure-data`);
    expect(data.status).toBe(200);
    expect(await data.json()).toMatchObject({ via: 'session', user: { email: ADA.email } });

    const me = await jar.fetch(`${url}/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { email: ADA.email } });

    // Logout is a cookie-authenticated POST: it needs the CSRF header.
    const logout = await jar.fetch(`${url}/logout`, {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: url },
    });
    expect(logout.status).toBe(200);
    expect(await logout.json()).toMatchObject({ endSessionUrl: expect.any(String) });
    expect((await jar.fetch(`${url}/api/secure-data`)).status).toBe(401);
    expect((await jar.fetch(`${url}/me`)).status).toBe(401);
    expect((await jar.fetch(`${url}/dashboard`, { redirect: 'manual' })).status).toBe(307);
  });

  it('the route handler takes a Bearer token; the rules answer 403', async () => {
    const authorization = `Bearer ${await cliToken(idp!.issuer)}`;
    const data = await fetch(`${url}/api/secure-data`, { headers: { authorization } });
    expect(data.status).toBe(200);
    expect(await data.json()).toMatchObject({ via: 'bearer' });

    const reports = await fetch(`${url}/reports`, { headers: { authorization } });
    expect(reports.status).toBe(403);
    expect(reports.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect((await fetch(`${url}/admin-data`, { headers: { authorization } })).status).toBe(403);
    expect(
      (await fetch(`${url}/api/secure-data`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
  });

  it(
    'a signed-out Link to a guarded page: prefetch, click, sign-in, dashboard; no 400, no warning, a clean console',
    async () => {
      const run = await prefetchClickSignIn(url, next!.output);
      expect(run.console).toEqual([]);
      expect(serverWarnings(run.serverLog)).toEqual([]);
      // The proxy answered the router's fetches with no RSC payload: Next loaded the page in full.
      expect(run.routerFetches.length).toBeGreaterThan(0);
      for (const fetched of run.routerFetches) {
        expect(fetched).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8' });
      }
      // One sign-in, from the full page load: none per prefetch, none with Next's `_rsc`.
      expect(run.logins).toEqual([`${url}/login?returnTo=%2Fdashboard`]);
    },
    MINUTE,
  );

  it("a dynamic segment: requireAuth passes Next's params on, typed by RouteContext", async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${url}/login?returnTo=/`);
    await jar.fetch(await signIn(login.headers.get('location')!, ADA, jar));
    const item = await jar.fetch(`${url}/api/items/42`);
    expect(item.status).toBe(200);
    expect(await item.json()).toEqual({ id: '42', owner: expect.any(String) });
    expect((await fetch(`${url}/api/items/42`)).status).toBe(401);
  });
});

const LEVELS = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
} as const;

/** A log line of the child, logged again at its own level with its own fields. */
function relog(logger: GatehouseOptions['logger'], line: string): void {
  const { level, msg, time: _time, pid: _pid, hostname: _host, ...fields } = JSON.parse(line);
  const name: (typeof LEVELS)[keyof typeof LEVELS] = LEVELS[level as keyof typeof LEVELS] ?? 'info';
  logger?.[name](fields, msg);
}

/**
 * The example's build for one world of the suite: `next start` configured from the options,
 * its Gatehouse log lines (JSON on stdout) passed on to the suite's logger.
 */
const startNext: Start = async ({ port, options }) => {
  const logger = options.logger;
  // The child reports its refreshes (a diagnostics channel, which the suite counts) on stdout.
  const preload = join(app, '.refresh-channel.mjs');
  await writeFile(
    preload,
    `import { subscribe } from 'node:diagnostics_channel';\n` +
      `subscribe('gatehouse:refresh', (m) => console.log('gatehouse:refresh ' + JSON.stringify(m)));\n`,
  );
  const vars = { ...envOf(options), NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` };
  const child = await nextStart(port, vars, (line) => {
    if (line.startsWith('gatehouse:refresh ')) {
      channel('gatehouse:refresh').publish(JSON.parse(line.slice('gatehouse:refresh '.length)));
    } else if (line.includes('"component":"gatehouse"')) relog(logger, line);
  });
  // The suite reads the backend's configuration: the same options make the same.
  const twin = createGatehouse({ ...options, logger: undefined });
  return {
    url: `http://localhost:${port}`,
    gatehouse: twin,
    async close() {
      await child.stop();
      await twin.close();
    },
  };
};

conformance('Next.js App Router (examples/next)', startNext);
conformance('Next.js App Router (examples/next)', startNext, { providers: 2, frontends: 2 });
