// `npm run bench`: Gatehouse side by side with the tools users would pick instead, on this
// machine, in one run. Every server runs in its own process on a free loopback port; the load
// generator (autocannon) runs in another, with the same settings for every target. Ratios are
// computed within the run. See docs/benchmarks.md for what each phase measures.
import { defaults } from '@gatehouse/server';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, runToEnd, start, type Child } from './lib/child.js';
import { freePort } from './lib/net.js';
import { redisVersion, startRedis, type RedisServer } from './lib/redis.js';
import { realTokens, signInThroughBackend } from './lib/signin.js';
import { bundleSizes, type BundleSize } from './lib/sizes.js';
import { clientCredentialsToken, cloneTokens } from './lib/tokens.js';
import type { FlowsResult, FlowsSpec } from './flows.js';
import type { MemoryResult, MemorySpec } from './memory.js';
import type { GatehouseTargetSpec } from './targets/gatehouse.js';
import type { PeerTargetSpec } from './targets/express-openid-connect.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    sessions: { type: 'string' },
    users: { type: 'string' },
    json: { type: 'string' },
  },
});
const quick = args.quick!;
const settings = Object.freeze({
  /** Seconds of each measured run. */
  duration: Number(args.duration ?? (quick ? 1 : 5)),
  /** Seconds of load before each measured run, not counted. */
  warmup: Number(args.warmup ?? (quick ? 0.5 : 1)),
  connections: Number(args.connections ?? 16),
  /** Sessions held for the memory figure. */
  sessions: Number(args.sessions ?? (quick ? 10_000 : 100_000)),
  /** Concurrent virtual users of the sign-in flow phase. */
  users: Number(args.users ?? 4),
  /**
   * Distinct Bearer tokens cycled through for "first sight": more than the verifier's cache
   * holds (ACCESS_TOKEN_CACHE_SIZE, oldest entry evicted first), so each request is a miss.
   */
  firstSightTokens: quick ? 1_000 : Math.ceil(defaults.accessTokenCacheSize * 1.2),
});
for (const [name, value] of Object.entries(settings)) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number, got ${value}`);
}

// ---------- what a run produces ----------

type PhaseId =
  | 'ceiling'
  | 'ceilingAgain'
  | 'cookieSqlite'
  | 'cookieMemory'
  | 'cookieRedis'
  | 'bearerRepeated'
  | 'bearerFirstSight'
  | 'eocCookie'
  | 'expressCeiling'
  | 'oktaBearer';

interface LoadResult {
  rps: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p99: number; mean: number };
}

interface Phase {
  id: PhaseId;
  label: string;
  server: string;
  result?: LoadResult;
  /** Why there is no figure (skipped or failed). */
  note?: string;
  failed?: boolean;
}

export interface BenchReport {
  date: string;
  machine: Record<string, string | number>;
  settings: typeof settings & { loadGenerator: string };
  phases: Phase[];
  ceiling: number;
  flows?: FlowsResult;
  memory?: MemoryResult;
  cookies?: { gatehouse: number; expressOpenidConnect: number };
  bundles?: BundleSize[];
  targets: Array<{ target: string; figure: string; result: 'PASS' | 'MISS' | 'report' | 'n/a' }>;
  failures: string[];
}

const phases: Phase[] = [];
const failures: string[] = [];
const cleanups: Array<() => Promise<void>> = [];

function phase(id: PhaseId, label: string, server: string): Phase {
  const entry: Phase = { id, label, server };
  phases.push(entry);
  return entry;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function load(entry: Phase, url: string, headers: Record<string, string>, tokensFile?: string) {
  log(`${entry.label} (${entry.server})`);
  try {
    const result = await runToEnd<LoadResult>('load.mjs', {
      url,
      connections: settings.connections,
      duration: settings.duration,
      warmup: settings.warmup,
      headers,
      ...(tokensFile && { tokensFile }),
    });
    entry.result = result;
    if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
      entry.failed = true;
      entry.note = `${result.non2xx} non-2xx, ${result.errors} errors of ${result.requests}`;
      failures.push(`${entry.label}: ${entry.note}`);
    }
  } catch (error) {
    entry.failed = true;
    entry.note = String(error);
    failures.push(`${entry.label}: ${entry.note}`);
  }
}

/** One request before the load: the credentials work and the route answers as expected. */
async function expectAuthenticated(url: string, headers: Record<string, string>, via: string) {
  const response = await fetch(url, { headers });
  const body = (await response.json()) as { via?: string };
  if (response.status !== 200 || body.via !== via) {
    throw new Error(`${url} answered ${response.status} ${JSON.stringify(body)} (expected 200 via ${via})`);
  }
}

// ---------- the run ----------

async function main(): Promise<BenchReport> {
  const date = new Date().toISOString();
  const cpu = cpus()[0];
  const machine = {
    cores: availableParallelism(),
    cpu: `${cpu?.model.trim() ?? 'unknown'}${cpu?.speed ? ` @ ${cpu.speed} MHz` : ''}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadBefore: loadavg().map((n) => n.toFixed(2)).join(' '),
  };
  log(`${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, load ${machine.loadBefore}`);

  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  cleanups.push(async () => {
    killAll(); // any child that never said it was ready
    rmSync(dir, { recursive: true, force: true });
  });
  const keysFile = join(dir, 'dev-idp-keys.json');
  const sessionSecret = 'bench-session-secret-'.repeat(2);

  const [sqlitePort, memoryPort, redisPort, eocPort, oktaPort, tokensPort] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  );
  const backend = (port: number) => `http://localhost:${port}`;
  const clients = [
    {
      client_id: 'gatehouse-bench',
      client_secret: 'gatehouse-bench-secret',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [sqlitePort, memoryPort, redisPort].map((port) => `${backend(port!)}/signin-oidc`),
    },
    {
      client_id: 'eoc-bench',
      client_secret: 'eoc-bench-secret',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [`${backend(eocPort!)}/callback`],
      post_logout_redirect_uris: [backend(eocPort!)],
    },
    {
      client_id: 'tokens-bench',
      client_secret: 'tokens-bench-secret',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [`${backend(tokensPort!)}/cb`],
    },
    {
      client_id: 'gatehouse-cli',
      client_secret: 'gatehouse-cli-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api',
    },
  ];

  const idp = await start<{ issuer: string }>('idp.ts', { keysFile, clients });
  cleanups.push(() => idp.stop());
  const { issuer } = idp.ready;
  log(`dev IdP at ${issuer}`);

  const redisAvailable = redisVersion();
  let redis: RedisServer | undefined;
  if (redisAvailable) {
    redis = await startRedis(redisAvailable);
    cleanups.push(() => redis!.close());
  } else {
    log('redis-server is not installed: the Redis phase is skipped (apt-get install redis-server)');
  }

  const gatehouseSpec = (port: number, sessionStore: string): GatehouseTargetSpec => ({
    port,
    issuer,
    clientId: 'gatehouse-bench',
    clientSecret: 'gatehouse-bench-secret',
    sessionStore,
    sessionSecret,
    logFile: join(dir, `gatehouse-${port}.log`),
  });
  const started = async <T>(promise: Promise<Child<T>>) => {
    const child = await promise;
    cleanups.push(() => child.stop());
    return child;
  };
  await Promise.all([
    started(start('targets/gatehouse.ts', gatehouseSpec(sqlitePort!, `sqlite:${join(dir, 'sessions.db')}`))),
    started(start('targets/gatehouse.ts', gatehouseSpec(memoryPort!, 'memory'))),
    redis && started(start('targets/gatehouse.ts', gatehouseSpec(redisPort!, redis.url))),
    started(
      start('targets/express-openid-connect.ts', {
        port: eocPort!,
        issuer,
        clientId: 'eoc-bench',
        clientSecret: 'eoc-bench-secret',
        secret: sessionSecret,
      } satisfies PeerTargetSpec),
    ),
    started(start('targets/okta-jwt-verifier.ts', { port: oktaPort!, issuer })),
  ]);

  // Credentials, made before any load: sessions through each backend's real sign-in, tokens.
  log('signing in and minting tokens');
  const gatehouseLogin = { loginPath: '/login', prefix: `${defaults.cookieName}=` };
  const cookies = {
    sqlite: await signInThroughBackend(backend(sqlitePort!), gatehouseLogin),
    memory: await signInThroughBackend(backend(memoryPort!), gatehouseLogin),
    redis: redis && (await signInThroughBackend(backend(redisPort!), gatehouseLogin)),
    eoc: await signInThroughBackend(backend(eocPort!), { loginPath: '/login', prefix: 'appSession' }),
  };
  const token = await clientCredentialsToken(issuer, 'gatehouse-cli', 'gatehouse-cli-secret');
  const tokensFile = join(dir, 'first-sight-tokens.json');
  const firstSight = cloneTokens(token, keysFile, settings.firstSightTokens);
  writeFileSync(tokensFile, JSON.stringify(firstSight));
  const bearer = { authorization: `Bearer ${token}` };
  const at = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

  await expectAuthenticated(at(sqlitePort!, '/secure-data'), { cookie: cookies.sqlite }, 'session');
  await expectAuthenticated(at(memoryPort!, '/secure-data'), { cookie: cookies.memory }, 'session');
  if (cookies.redis) await expectAuthenticated(at(redisPort!, '/secure-data'), { cookie: cookies.redis }, 'session');
  await expectAuthenticated(at(eocPort!, '/secure-data'), { cookie: cookies.eoc }, 'session');
  await expectAuthenticated(at(sqlitePort!, '/secure-data'), bearer, 'bearer');
  await expectAuthenticated(at(oktaPort!, '/secure-data'), bearer, 'bearer');
  const probe = { authorization: `Bearer ${firstSight.at(-1)}` };
  await expectAuthenticated(at(sqlitePort!, '/secure-data'), probe, 'bearer');
  await expectAuthenticated(at(oktaPort!, '/secure-data'), probe, 'bearer');

  // Throughput, one target at a time; the ceiling first and again last, to show the drift.
  const demo = 'Gatehouse demo (Fastify)';
  await load(phase('ceiling', 'ceiling: GET /healthz, no auth', demo), at(sqlitePort!, '/healthz'), {});
  await load(
    phase('cookieSqlite', 'session cookie, SQLite store (default)', demo),
    at(sqlitePort!, '/secure-data'),
    { cookie: cookies.sqlite },
  );
  await load(
    phase('cookieMemory', 'session cookie, memory store', demo),
    at(memoryPort!, '/secure-data'),
    { cookie: cookies.memory },
  );
  const redisPhase = phase('cookieRedis', 'session cookie, Redis store', demo);
  if (cookies.redis) {
    await load(redisPhase, at(redisPort!, '/secure-data'), { cookie: cookies.redis });
    redisPhase.server += `, redis-server ${redis!.version}`;
  } else {
    redisPhase.note = 'skipped: redis-server is not installed';
  }
  await load(phase('bearerRepeated', 'Bearer JWT, repeated (one token)', demo), at(sqlitePort!, '/secure-data'), bearer);
  await load(
    phase('bearerFirstSight', `Bearer JWT, first sight (${firstSight.length.toLocaleString('en-US')} tokens cycled)`, demo),
    at(sqlitePort!, '/secure-data'),
    {},
    tokensFile,
  );
  await load(
    phase('eocCookie', 'appSession cookie', 'express-openid-connect (Express)'),
    at(eocPort!, '/secure-data'),
    { cookie: cookies.eoc },
  );
  await load(phase('expressCeiling', 'Express ceiling: GET /healthz, no auth', 'Express'), at(oktaPort!, '/healthz'), {});
  await load(
    phase('oktaBearer', 'Bearer JWT (verified on every request)', '@okta/jwt-verifier (Express)'),
    at(oktaPort!, '/secure-data'),
    bearer,
  );
  await load(phase('ceilingAgain', 'ceiling again: GET /healthz', demo), at(sqlitePort!, '/healthz'), {});

  // Sign-in flows, against the default (SQLite) backend.
  let flows: FlowsResult | undefined;
  log(`sign-in flows, ${settings.users} virtual users`);
  try {
    flows = await runToEnd<FlowsResult>('flows.ts', {
      backendUrl: backend(sqlitePort!),
      cookieName: defaults.cookieName,
      users: settings.users,
      duration: settings.duration,
      credentials: { email: 'ada@example.com', password: 'ada-dev-password' },
    } satisfies FlowsSpec);
    if (flows.flows === 0 || flows.failures > 0) {
      failures.push(`sign-in flows: ${flows.failures} failed (${flows.firstFailure ?? 'none completed'})`);
    }
  } catch (error) {
    failures.push(`sign-in flows: ${String(error)}`);
  }

  // Memory per session, in a fresh process.
  let memory: MemoryResult | undefined;
  log(`memory at ${settings.sessions.toLocaleString('en-US')} sessions`);
  try {
    const tokens = await realTokens(issuer, 'tokens-bench', 'tokens-bench-secret', `${backend(tokensPort!)}/cb`);
    const me = await fetch(at(sqlitePort!, '/me'), { headers: { cookie: cookies.sqlite } });
    const { user } = (await me.json()) as { user: MemorySpec['user'] };
    const { sid, ...sessionTokens } = tokens;
    memory = await runToEnd<MemoryResult>(
      'memory.ts',
      {
        count: settings.sessions,
        tokens: sessionTokens,
        user,
        ...(sid && { sid }),
        userAgent:
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      } satisfies MemorySpec,
      ['--expose-gc'],
    );
  } catch (error) {
    failures.push(`memory per session: ${String(error)}`);
  }

  const bundles = await bundleSizes().catch((error: unknown) => {
    failures.push(`bundle sizes: ${String(error)}`);
    return undefined;
  });

  const rps = (id: PhaseId) => {
    const entry = phases.find((p) => p.id === id);
    return entry?.result && !entry.failed ? entry.result.rps : NaN;
  };
  const ceilings = [rps('ceiling'), rps('ceilingAgain')].filter(Number.isFinite);
  const ceiling = ceilings.length ? ceilings.reduce((a, b) => a + b) / ceilings.length : NaN;
  const percent = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : 'n/a');
  const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)}x` : 'n/a');
  const check = (ok: boolean, figure: number) => (!Number.isFinite(figure) ? 'n/a' : ok ? 'PASS' : 'MISS');
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;

  const sqliteShare = rps('cookieSqlite') / ceiling;
  const bearerShare = rps('bearerRepeated') / ceiling;
  const eocFactor = rps('cookieSqlite') / rps('eocCookie');
  const oktaFactor = rps('bearerRepeated') / rps('oktaBearer');
  const gatehouseBundle = bundles?.find((b) => b.name === '@gatehouse/react')?.gzipped ?? NaN;
  const perSession = memory?.bytesPerSession ?? NaN;
  const targets: BenchReport['targets'] = [
    { target: 'session cookie, SQLite (default store) ≥ 80% of ceiling', figure: percent(sqliteShare), result: check(sqliteShare >= 0.8, sqliteShare) },
    { target: 'session cookie, memory store (reported)', figure: percent(rps('cookieMemory') / ceiling), result: 'report' },
    { target: 'session cookie, Redis store (reported)', figure: percent(rps('cookieRedis') / ceiling), result: 'report' },
    { target: 'Bearer JWT, repeated token ≥ 80% of ceiling', figure: percent(bearerShare), result: check(bearerShare >= 0.8, bearerShare) },
    { target: 'Bearer JWT, first sight (reported)', figure: percent(rps('bearerFirstSight') / ceiling), result: 'report' },
    { target: 'cookie (SQLite) ≥ 10x express-openid-connect', figure: times(eocFactor), result: check(eocFactor >= 10, eocFactor) },
    { target: 'Bearer (repeated) ≥ 10x @okta/jwt-verifier', figure: times(oktaFactor), result: check(oktaFactor >= 10, oktaFactor) },
    { target: 'Bearer (first sight) vs @okta/jwt-verifier (reported)', figure: times(rps('bearerFirstSight') / rps('oktaBearer')), result: 'report' },
    {
      target: `memory per idle session at ${settings.sessions.toLocaleString('en-US')} sessions < 4 KiB`,
      figure: Number.isFinite(perSession) ? `${Math.round(perSession).toLocaleString('en-US')} B` : 'n/a',
      result: check(perSession < 4096, perSession),
    },
    { target: '@gatehouse/react min+gzip < 4 KiB', figure: Number.isFinite(gatehouseBundle) ? kib(gatehouseBundle) : 'n/a', result: check(gatehouseBundle < 4096, gatehouseBundle) },
  ];

  return {
    date,
    machine: { ...machine, loadAfter: loadavg().map((n) => n.toFixed(2)).join(' ') },
    settings: { ...settings, loadGenerator: `autocannon ${autocannonVersion()} in its own process, pipelining 1` },
    phases,
    ceiling,
    ...(flows && { flows }),
    ...(memory && { memory }),
    cookies: { gatehouse: Buffer.byteLength(cookies.sqlite), expressOpenidConnect: Buffer.byteLength(cookies.eoc) },
    ...(bundles && { bundles }),
    targets,
    failures,
  };
}

function autocannonVersion(): string {
  return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
}

// ---------- the table ----------

function render(report: BenchReport): string {
  const n = (value: number, digits = 0) =>
    Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
  const { machine, settings: s } = report;
  const lines = [
    `Gatehouse benchmarks, ${report.date}${quick ? ' (quick mode: figures are not comparable)' : ''}`,
    `machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memory}, Node ${machine.node}, ${machine.os}`,
    `load average (1, 5, 15 min): ${machine.loadBefore} before, ${machine.loadAfter} after`,
    `load: ${s.loadGenerator}, ${s.connections} connections, ${s.warmup} s warm-up + ${s.duration} s per phase`,
    '',
    '| phase | server | req/s | p50 ms | p99 ms | of ceiling |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const entry of report.phases) {
    const r = entry.result;
    const share = r && !entry.failed ? `${((r.rps / report.ceiling) * 100).toFixed(0)}%` : '';
    lines.push(
      `| ${entry.label} | ${entry.server} | ${r && !entry.failed ? n(r.rps) : (entry.note ?? 'n/a')} | ${r ? n(r.latency.p50) : ''} | ${r ? n(r.latency.p99) : ''} | ${share} |`,
    );
  }
  lines.push('', `ceiling = mean of the two ceiling runs: ${n(report.ceiling)} req/s`, '');
  if (report.flows) {
    const f = report.flows;
    lines.push(
      `sign-in flows (login, IdP form, callback) with ${s.users} virtual users: ${n(f.perSecond, 1)} per second ` +
        `(${f.flows} in ${n(f.duration, 1)} s, p50 ${n(f.latency.p50)} ms, p99 ${n(f.latency.p99)} ms, ${f.failures} failed)`,
    );
  }
  if (report.memory) {
    const m = report.memory;
    lines.push(
      `memory per idle session at ${n(m.count)} sessions (MemoryStore, tokens of ${n(m.tokenBytes)} B as JSON): ` +
        `${n(m.bytesPerSession)} B (${n(m.heapPerSession)} B heap + ${n(m.externalPerSession)} B Buffers)`,
    );
  }
  if (report.cookies) {
    lines.push(
      `Cookie header per API request: Gatehouse ${report.cookies.gatehouse} B, express-openid-connect ${n(report.cookies.expressOpenidConnect)} B`,
    );
  }
  if (report.bundles) {
    lines.push('', '| React SDK (esbuild, minified, React external) | min | min+gzip |', '| --- | ---: | ---: |');
    for (const b of report.bundles) {
      lines.push(`| ${b.name} | ${(b.minified / 1024).toFixed(1)} KiB | ${(b.gzipped / 1024).toFixed(2)} KiB |`);
    }
  }
  lines.push('', '| target | this run | |', '| --- | ---: | --- |');
  for (const t of report.targets) lines.push(`| ${t.target} | ${t.figure} | ${t.result === 'report' ? '' : t.result} |`);
  if (report.failures.length) lines.push('', 'FAILED:', ...report.failures.map((f) => `- ${f}`));
  return lines.join('\n');
}

async function cleanup() {
  for (const close of cleanups.splice(0).reverse()) await close().catch(() => {});
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanup().finally(() => process.exit(130));
  });
}

try {
  const report = await main();
  console.log(render(report));
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.failures.length) process.exitCode = 1;
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
