// `npm start`: the whole demo in one terminal, no Okta account needed.
//   [idp]  the dev IdP          http://localhost:7157/oauth2/default (and /oauth2/acme)
//   [api]  the demo backend     http://localhost:7156
//   [web]  the Vite front end   http://localhost:5173
//   [orders] the orders API     http://localhost:7158 (with the dev IdP; /api/orders/* on the backend)
// Ctrl-C (or SIGTERM) stops all three; if one dies, the others are stopped and this exits 1.
/* global fetch, AbortSignal, setInterval */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The seed's variables, pointed at the dev IdP. Anything already set in the environment or in
// the `.env` where `npm start` runs (the one the backend reads too) wins.
const DEMO_ENV = {
  OKTA_ISSUER_URL: 'http://localhost:7157/oauth2/default',
  OKTA_CLIENT_ID: 'gatehouse-demo',
  OKTA_CLIENT_SECRET: 'gatehouse-demo-secret',
  BACKEND_URL: 'http://localhost:7156',
  FRONTEND_URL: 'http://localhost:5173',
  SESSION_STORE: 'sqlite:.gatehouse/demo-sessions.db',
};

const color = process.stdout.isTTY && !process.env.NO_COLOR && process.stdout.hasColors?.();
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = (text) => paint('1', text);
const dim = (text) => paint('2', text);

function readEnvFile(file) {
  if (!existsSync(file)) return {};
  try {
    return parseEnv(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`cannot read ${file}: ${error.message}`);
  }
}

function say(line) {
  process.stdout.write(`${paint('1', '[start]')} ${line}\n`);
}

function fail(message) {
  process.stderr.write(`${paint('1;31', '[start]')} ${message}\n`);
  process.exit(1);
}

// npm sets INIT_CWD to where the user ran `npm start`; the backend resolves `.env` and relative
// store paths against it, and so do we.
const userDir = process.env.INIT_CWD || root;
const settings = { ...DEMO_ENV, ...readEnvFile(join(userDir, '.env')) };
for (const key of Object.keys(settings)) {
  if (process.env[key] !== undefined && process.env[key] !== '') settings[key] = process.env[key];
}
for (const key of ['OKTA_ISSUER_URL', 'BACKEND_URL', 'FRONTEND_URL']) {
  if (!URL.canParse(settings[key])) fail(`${key} must be a URL, got "${settings[key]}"`);
}
const issuer = new URL(settings.OKTA_ISSUER_URL);
const backend = new URL(settings.BACKEND_URL);
const frontend = new URL(settings.FRONTEND_URL);
const portOf = (url) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

// The dev IdP runs only when the issuer is a local one; with a real Okta issuer in `.env`,
// `npm start` runs the backend and the front end against it.
const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
const withIdp = loopback && issuer.pathname.replace(/\/+$/, '') === '/oauth2/default';

// With the dev IdP, the backend forwards /api/orders/* to the orders API with a token for
// api://orders (docs/remote-apis.md); REMOTE_APIS set in the environment or `.env` wins.
const ORDERS_PORT = Number(process.env.ORDERS_PORT || 7158);
const ORDERS_API = JSON.stringify([
  {
    path: '/api/orders',
    upstream: `http://localhost:${ORDERS_PORT}`,
    resource: 'api://orders',
    scopes: 'orders:read',
    methods: ['GET'],
  },
]);

// With the dev IdP, its second tenant is a second provider (docs/tenants.md): the demo's sign-in
// page sends @acme.example emails there. The provider `default` stays on the OKTA_* variables
// (another client of the dev IdP, with CLIENT_AUTH, keeps working); Acme always signs in as the
// demo's client, with its own client authentication. PROVIDERS set in the environment or `.env`
// wins.
const acmeProvider = (extra) =>
  JSON.stringify([
    {
      id: 'acme',
      issuer: `${issuer.origin}/oauth2/acme`,
      clientId: DEMO_ENV.OKTA_CLIENT_ID,
      clientSecret: DEMO_ENV.OKTA_CLIENT_SECRET,
      clientAuth: 'client_secret_basic',
      domains: ['acme.example'],
      displayName: 'Acme',
      ...extra,
    },
  ]);
const withAcme = withIdp && !settings.PROVIDERS && !process.env.PROVIDERS;

// Children get the settings, plus what the front end needs to find the backend.
const childEnv = {
  ...process.env,
  INIT_CWD: userDir,
  ...(withIdp && !process.env.REMOTE_APIS && { REMOTE_APIS: ORDERS_API }),
  ORDERS_PORT: String(ORDERS_PORT),
  ...settings,
  VITE_BASE_REST_URL: process.env.VITE_BASE_REST_URL ?? settings.BACKEND_URL.replace(/\/+$/, ''),
  ...(color && { FORCE_COLOR: '1' }),
};

/** Runs npm with node itself when started by npm (no shell needed on any platform). */
function npmCommand(args) {
  const npmCli = process.env.npm_execpath;
  return npmCli && /\.[cm]?js$/.test(npmCli)
    ? [process.execPath, [npmCli, ...args]]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', args];
}

const parts = [
  withIdp && {
    name: 'idp',
    color: '35',
    args: [
      'run',
      '--silent',
      'start',
      '-w',
      'packages/dev-idp',
      '--',
      '--port',
      String(portOf(issuer)),
    ],
    ready: `${settings.OKTA_ISSUER_URL.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    port: portOf(issuer),
  },
  {
    name: 'api',
    color: '36',
    args: ['run', '--silent', 'serve', '-w', 'apps/demo'],
    env: withAcme ? { PROVIDERS: acmeProvider() } : {},
    ready: new URL('/healthz', backend).href,
    port: Number(childEnv.PORT || portOf(backend)),
  },
  {
    name: 'web',
    color: '32',
    args: [
      'run',
      '--silent',
      'dev:web',
      '-w',
      'apps/demo',
      '--',
      '--port',
      String(portOf(frontend)),
    ],
    ready: frontend.href,
    port: portOf(frontend),
  },
  withIdp && {
    name: 'orders',
    color: '33',
    args: ['run', '--silent', 'orders', '-w', 'apps/demo'],
    // Acme's tokens too, for the orders API's own audience, never for api://default.
    env: withAcme ? { PROVIDERS: acmeProvider({ audience: 'api://orders' }) } : {},
    ready: `http://localhost:${ORDERS_PORT}/healthz`,
    port: ORDERS_PORT,
  },
].filter(Boolean);

// `npm start -- --dry-run`: what each part would be started with (the settings that choose
// the providers, secrets left out), as JSON, and nothing started.
if (process.argv.includes('--dry-run')) {
  const shown = ['OKTA_ISSUER_URL', 'OKTA_CLIENT_ID', 'CLIENT_AUTH', 'PROVIDERS', 'REMOTE_APIS'];
  const withoutSecrets = (value) =>
    value?.startsWith('[')
      ? value.replace(/"clientSecret":"[^"]*"/g, '"clientSecret":"(set)"')
      : value;
  const plan = parts.map((part) => {
    const env = { ...childEnv, ...part.env };
    return {
      name: part.name,
      env: Object.fromEntries(
        shown.filter((key) => env[key] !== undefined).map((key) => [key, withoutSecrets(env[key])]),
      ),
    };
  });
  process.stdout.write(`${JSON.stringify({ devIdp: withIdp, parts: plan }, null, 2)}\n`);
  process.exit(0);
}

const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Makes a pino JSON line readable: `info  incoming request GET /me` with its other fields. */
function readable(line) {
  if (!line.startsWith('{"level"')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { level, msg = '', req, res, responseTime, err, ...rest } = entry;
  for (const key of ['time', 'pid', 'hostname', 'reqId', 'name', 'component', 'v'])
    delete rest[key];
  const levelName = (LEVELS[level] ?? String(level)).padEnd(5);
  const levelText =
    level >= 50 ? paint('31', levelName) : level >= 40 ? paint('33', levelName) : dim(levelName);
  const details = [
    req && `${req.method} ${req.path ?? req.url ?? ''}`,
    res && `${res.statusCode}`,
    typeof responseTime === 'number' && `${responseTime.toFixed(1)} ms`,
    err && (err.stack ?? err.message),
    Object.keys(rest).length > 0 && JSON.stringify(rest),
  ].filter(Boolean);
  return `${levelText} ${msg}${details.length ? ` ${dim(details.join('  '))}` : ''}`;
}

const running = new Map();
let stopping = false;

function start(part) {
  const [command, args] = npmCommand(part.args);
  // Its own process group, so stopping it also stops what npm started (node, vite).
  const child = spawn(command, args, {
    cwd: root,
    env: { ...childEnv, ...part.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  const prefix = paint(part.color, `[${part.name}]`);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      (stream === child.stderr ? process.stderr : process.stdout).write(
        `${prefix} ${readable(line)}\n`,
      );
    });
  }
  child.on('error', (error) => {
    running.delete(part.name);
    if (!stopping) shutdown(`${part.name} could not start: ${error.message}`, 1);
  });
  child.on('exit', (code, signal) => {
    running.delete(part.name);
    if (!stopping) {
      shutdown(`${part.name} stopped (${signal ?? `exit code ${code}`}); stopping the others`, 1);
    }
  });
  running.set(part.name, child);
}

function signal(child, name) {
  try {
    if (process.platform === 'win32') child.kill(name);
    else process.kill(-child.pid, name);
  } catch {
    // already gone
  }
}

async function shutdown(reason, exitCode) {
  if (stopping) return;
  stopping = true;
  if (reason)
    (exitCode ? process.stderr : process.stdout).write(
      `${paint(exitCode ? '1;31' : '1', '[start]')} ${reason}\n`,
    );
  for (const child of running.values()) signal(child, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (running.size > 0 && Date.now() < deadline) await sleep(50);
  for (const [name, child] of running) {
    say(`${name} did not stop within 5 s; killing it`);
    signal(child, 'SIGKILL');
  }
  process.exit(exitCode);
}

for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(name, () => {
    if (stopping) {
      // A second Ctrl-C: do not wait any longer.
      for (const child of running.values()) signal(child, 'SIGKILL');
      process.exit(1);
    }
    process.stdout.write('\n');
    void shutdown('stopping', 0);
  });
}
// Last resort, should this process end some other way: leave no child behind.
process.on('exit', () => {
  for (const child of running.values()) signal(child, 'SIGKILL');
});
// `kill <npm's pid>` ends npm and its shell but does not reach this process: when the parent
// goes away (we are re-parented), stop as on SIGTERM.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown('the parent process ended; stopping', 0);
}, 500).unref();

/** True when something listens on `port` on either loopback address (`localhost` is both). */
async function portInUse(port) {
  const probe = (host) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', (error) => resolve(error.code === 'EADDRINUSE'));
      server.listen(port, host, () => server.close(() => resolve(false)));
    });
  return (await probe('127.0.0.1')) || (await probe('::1'));
}

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status < 500;
  } catch {
    return false;
  }
}

async function waitFor(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    if (await answers(url)) return true;
    await sleep(250);
  }
  return false;
}

function credentials() {
  try {
    const users = JSON.parse(readFileSync(join(root, 'packages/dev-idp/users.json'), 'utf8'));
    return users.map(
      (u) =>
        `${bold(u.email)} / ${bold(u.password)}  ${dim(`${u.name}${u.groups?.length ? `, groups ${u.groups.join(', ')}` : ''}`)}`,
    );
  } catch {
    return ['see packages/dev-idp/users.json'];
  }
}

function banner() {
  const line = dim('─'.repeat(64));
  const rows = [
    '',
    line,
    `  ${paint('1;32', 'Gatehouse demo is ready')}`,
    '',
    `  Open         ${paint('1;4;36', frontend.href.replace(/\/$/, ''))}`,
    ...(withIdp
      ? credentials().map((text, i) => `  ${i === 0 ? 'Sign in as' : '          '}   ${text}`)
      : [`  Sign in      with your account at ${issuer.href}`]),
    ...(withAcme
      ? [
          `  At Acme      ${bold('ada@acme.example')} / ${bold('ada-acme-password')}  ${dim('type the work email on the sign-in page')}`,
        ]
      : []),
    '',
    dim(`  Backend      ${backend.href.replace(/\/$/, '')}`),
    dim(`  Provider     ${issuer.href}${withIdp ? ' (dev IdP)' : ''}`),
    dim('  Ctrl-C stops everything.'),
    line,
    '',
  ];
  process.stdout.write(`${rows.join('\n')}\n`);
}

async function main() {
  const busy = [];
  for (const part of parts)
    if (await portInUse(part.port)) busy.push(`${part.port} (${part.name})`);
  if (busy.length) {
    fail(
      `port ${busy.join(', ')} already in use. Is another \`npm start\` running? Stop it, or set ${withIdp ? 'OKTA_ISSUER_URL, ' : ''}BACKEND_URL and FRONTEND_URL to other ports.`,
    );
  }
  if (!withIdp) say(`OKTA_ISSUER_URL is ${issuer.href}: not starting the dev IdP`);

  const [idp, api, web] = withIdp ? parts : [undefined, ...parts];
  if (idp) start(idp);
  start(web);
  // The backend retries discovery on its own, but started after the IdP its first requests
  // succeed; it is started anyway if the IdP takes too long.
  if (idp && !(await waitFor(idp.ready, 20_000)) && !stopping) {
    say(`the dev IdP does not answer at ${idp.ready} yet; starting the backend anyway`);
  }
  if (stopping) return;
  start(api);
  const orders = parts.find((part) => part.name === 'orders');
  if (orders) start(orders);

  const waiting = parts.map(async (part) => ({ part, ok: await waitFor(part.ready, 60_000) }));
  const results = await Promise.all(waiting);
  if (stopping) return;
  const late = results.filter((r) => !r.ok).map((r) => `${r.part.name} (${r.part.ready})`);
  if (late.length) say(`still waiting for ${late.join(', ')}; the demo may not work yet`);
  else banner();
}

main().catch((error) => shutdown(`failed: ${error.stack ?? error}`, 1));
