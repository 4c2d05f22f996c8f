// `npm run bench`: Gatehouse side by side with the tools users would pick instead, on this
// machine, in one run. Every server runs in its own process on a free loopback port; the load
// generator (autocannon) runs in another, with the same settings for every target; ratios are
// computed within the run. docs/benchmarks.md says what each phase measures.
import { defaultUsers } from '@gatehouse/dev-idp';
import { defaults } from '@gatehouse/server';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildChildren } from './lib/build.js';
import { killAll, start, useCompiled, type Child } from './lib/child.js';
import { benchClients } from './lib/clients.js';
import { runFlows, type FlowsPhase } from './lib/flows-phase.js';
import { autocannonVersion, describeMachine, loadNow } from './lib/machine.js';
import { expectAuthenticated, type PlannedPhase } from './lib/measure.js';
import { measureMemory } from './lib/memory-phase.js';
import { freePort } from './lib/net.js';
import { measureRounds } from './lib/rounds.js';
import { postgresVersion, startPostgres, type PostgresServer } from './lib/postgres.js';
import { redisVersion, startRedis, type RedisServer } from './lib/redis.js';
import { render, summarize, type BenchReport, type Phase, type PhaseId } from './lib/report.js';
import { ADA, signInThroughBackend } from './lib/signin.js';
import { bundleSizes, type BundleSize } from './lib/sizes.js';
import { checkTargets, reportedFigures } from './lib/targets.js';
import { clientCredentialsToken, cloneTokens } from './lib/tokens.js';
import { dpopCredentials } from './lib/dpop.js';
import type { MemoryResult } from './memory.js';
import type { PeerTargetSpec } from './targets/express-openid-connect.js';
import type { BareProxySpec } from './targets/bare-proxy.js';
import type { GatehouseTargetSpec } from './lib/gatehouse-options.js';
import type { JoseVerifierSpec } from './targets/jose-verifier.js';

const USAGE = `npm run bench [-- options]
  --quick            phases of 1 s, no warm-up, 1 round, 4 connections, 10,000 sessions,
                     the ceiling only first and last in the round (not beside every phase
                     judged against it): checks the harness, not the figures (npm test runs it)
  --duration <s>     seconds measured per phase (default 5)
  --warmup <s>       seconds of load before each phase, not counted (default 1)
  --rounds <n>       times each throughput phase runs; the median is shown (default 3)
  --connections <n>  autocannon connections, the same for every target (default 16)
  --sessions <n>     sessions held for the memory figure (default 100000)
  --users <n>        virtual users of the sign-in flow phase (default 4)
  --only <ids>       comma-separated phases to run (${'ceiling,constantCaller,constantCallerBearer,cookieSqlite,constantCallerMemory,cookieMemory,constantCallerRedis,cookieRedis,constantCallerPostgres,cookiePostgres,bearerRepeated,bearerFirstSight,nodeFirstSight,joseFirstSight,dpopRepeated,joseDpop,expressCookie,eocCookie,expressCeiling,expressBearer,oktaBearer,remoteDirect,remoteProxy,nodeProxy,bareProxy,flows,eocFlows,memory,bundles'})
  --profile <dir>    run every server with --cpu-prof, profiles written to <dir>
  --overlay <dir>    build the servers with the files of <dir> (laid out like the repository)
                     in place of the repository's: measures a proposed change side by side
  --json <file>      also write the report as JSON`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    sessions: { type: 'string' },
    users: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'string' },
    overlay: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = args.quick!;
const number = (name: string, value: string | undefined, fallback: number) => {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`--${name} must be a number, got ${value}\n${USAGE}`);
  return parsed;
};
const settings = Object.freeze({
  duration: number('duration', args.duration, quick ? 1 : 5),
  warmup: number('warmup', args.warmup, quick ? 0 : 1),
  rounds: Math.max(1, Math.round(number('rounds', args.rounds, quick ? 1 : 3))),
  // Quick mode runs inside `npm test`, beside other tests: a lighter load.
  connections: Math.max(1, Math.round(number('connections', args.connections, quick ? 4 : 16))),
  sessions: Math.max(1, Math.round(number('sessions', args.sessions, quick ? 10_000 : 100_000))),
  users: Math.max(1, Math.round(number('users', args.users, 4))),
  /**
   * Distinct Bearer tokens cycled through for "first sight": more than the verifier's cache
   * holds (ACCESS_TOKEN_CACHE_SIZE; when full it evicts the oldest entry), so every request is
   * a miss. Quick mode cycles fewer (some hits): it only checks that the phase runs.
   */
  firstSightTokens: quick ? 1_000 : Math.ceil(defaults.accessTokenCacheSize * 1.2),
});
const only = args.only ? new Set(args.only.split(',').map((id) => id.trim())) : undefined;
const wanted = (id: string) => !only || only.has(id);
const profileDir = args.profile ? resolve(process.env.INIT_CWD ?? '.', args.profile) : undefined;
const overlayDir = args.overlay ? resolve(process.env.INIT_CWD ?? '.', args.overlay) : undefined;

const failures: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** The server behind each port, to read its CPU time around a measured run. */
const servers = new Map<number, Child<unknown>>();

async function main(): Promise<BenchReport> {
  const date = new Date().toISOString();
  const machine = describeMachine();
  log(
    `${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, load average ${machine.loadBefore}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  cleanups.push(async () => {
    killAll(); // any child that never said it was ready
    rmSync(dir, { recursive: true, force: true });
  });
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  // Under node_modules, so the compiled children resolve their packages as an app does.
  const compiled = fileURLToPath(
    new URL(`../node_modules/.cache/gatehouse-bench/run-${process.pid}`, import.meta.url),
  );
  cleanups.push(async () => rmSync(compiled, { recursive: true, force: true }));
  await buildChildren(compiled, overlayDir);
  useCompiled(compiled);
  const keysFile = join(dir, 'dev-idp-keys.json');
  const sessionSecret = 'bench-session-secret-'.repeat(2);

  const [
    sqlitePort,
    memoryPort,
    redisPort,
    postgresPort,
    expressPort,
    eocPort,
    oktaPort,
    tokensPort,
    upstreamPort,
    bareProxyPort,
    josePort,
    nodePort,
  ] = (await Promise.all(Array.from({ length: 12 }, freePort))) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const origin = (port: number) => `http://localhost:${port}`;
  const at = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
  const clients = benchClients({
    gatehouse: [sqlitePort, memoryPort, redisPort, postgresPort, expressPort, nodePort],
    eoc: eocPort,
    tokens: tokensPort,
  });

  const idp = await start<{ issuer: string }>('idp.ts', {
    keysFile,
    clients,
    users: defaultUsers(),
  });
  cleanups.push(() => idp.stop());
  const { issuer } = idp.ready;
  log(`dev IdP at ${issuer}`);

  const redisFound = redisVersion();
  let redis: RedisServer | undefined;
  if (!redisFound) {
    log('redis-server is not installed: the Redis phase is skipped (apt-get install redis-server)');
  } else if (wanted('cookieRedis')) {
    redis = await startRedis(redisFound);
    cleanups.push(() => redis!.close());
  }
  const postgresFound = postgresVersion();
  let postgres: PostgresServer | undefined;
  if (!postgresFound) {
    log('Postgres is not installed: the Postgres phase is skipped (apt-get install postgresql)');
  } else if (wanted('cookiePostgres')) {
    postgres = await startPostgres(postgresFound);
    cleanups.push(() => postgres!.close());
  }

  // One folder per server: a process writes one profile per thread (tsx's loader has one).
  const flags = (name: string) =>
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];
  // The memory backend also forwards /api/orders/* to the upstream (the proxy phase).
  const remoteApis = [
    {
      path: '/api/orders',
      upstream: at(upstreamPort, ''),
      resource: 'api://orders',
      scopes: 'orders:read',
    },
  ];
  const gatehouse = (
    port: number,
    sessionStore: string,
    name: string,
    target = 'targets/gatehouse.ts',
  ) =>
    start(
      target,
      {
        port,
        issuer,
        clientId: 'gatehouse-bench',
        clientSecret: 'gatehouse-bench-secret',
        sessionStore,
        sessionSecret,
        logFile: join(dir, `${name}.log`),
        ...(sessionStore === 'memory' && { remoteApis }),
      } satisfies GatehouseTargetSpec,
      flags(name),
    );
  const started = async <T>(port: number, promise: Promise<Child<T>>) => {
    const child = await promise;
    cleanups.push(() => child.stop());
    servers.set(port, child);
    return child;
  };
  await Promise.all([
    started(
      sqlitePort,
      gatehouse(sqlitePort, `sqlite:${join(dir, 'sessions.db')}`, 'gatehouse-sqlite'),
    ),
    started(memoryPort, gatehouse(memoryPort, 'memory', 'gatehouse-memory')),
    started(nodePort, gatehouse(nodePort, 'memory', 'gatehouse-node', 'targets/gatehouse-node.ts')),
    redis && started(redisPort, gatehouse(redisPort, redis.url, 'gatehouse-redis')),
    postgres && started(postgresPort, gatehouse(postgresPort, postgres.url, 'gatehouse-postgres')),
    started(
      expressPort,
      gatehouse(
        expressPort,
        `sqlite:${join(dir, 'sessions-express.db')}`,
        'gatehouse-express',
        'targets/gatehouse-express.ts',
      ),
    ),
    started(
      eocPort,
      start(
        'targets/express-openid-connect.ts',
        {
          port: eocPort,
          issuer,
          clientId: 'eoc-bench',
          clientSecret: 'eoc-bench-secret',
          secret: sessionSecret,
        } satisfies PeerTargetSpec,
        flags('express-openid-connect'),
      ),
    ),
    started(
      oktaPort,
      start('targets/okta-jwt-verifier.ts', { port: oktaPort, issuer }, flags('okta-jwt-verifier')),
    ),
    started(upstreamPort, start('targets/upstream.ts', { port: upstreamPort }, flags('upstream'))),
    started(
      josePort,
      start(
        'targets/jose-verifier.ts',
        {
          port: josePort,
          issuer,
          claimsFile: join(dir, 'jose-claims.sqlite'),
        } satisfies JoseVerifierSpec,
        flags('jose-verifier'),
      ),
    ),
  ]);

  // Credentials, made before any load: a session through each backend's real sign-in; tokens.
  log('signing in through each backend and minting tokens');
  const gatehouseLogin = { loginPath: defaults.routes.login, prefix: `${defaults.cookieName}=` };
  const cookies = {
    sqlite: await signInThroughBackend(origin(sqlitePort), gatehouseLogin),
    memory: await signInThroughBackend(origin(memoryPort), gatehouseLogin),
    node: await signInThroughBackend(origin(nodePort), gatehouseLogin),
    redis: redis && (await signInThroughBackend(origin(redisPort), gatehouseLogin)),
    postgres: postgres && (await signInThroughBackend(origin(postgresPort), gatehouseLogin)),
    express: await signInThroughBackend(origin(expressPort), gatehouseLogin),
    eoc: await signInThroughBackend(origin(eocPort), { loginPath: '/login', prefix: 'appSession' }),
  };
  const token = await clientCredentialsToken(issuer, 'gatehouse-cli', 'gatehouse-cli-secret');
  const bearer = { authorization: `Bearer ${token}` };
  await started(
    bareProxyPort,
    start(
      'targets/bare-proxy.ts',
      { port: bareProxyPort, upstreamPort, ...bearer } satisfies BareProxySpec,
      flags('bare-proxy'),
    ),
  );
  const tokensFile = join(dir, 'first-sight-tokens.json');
  const firstSight =
    wanted('bearerFirstSight') || wanted('joseFirstSight')
      ? cloneTokens(token, keysFile, settings.firstSightTokens)
      : [token];
  writeFileSync(tokensFile, JSON.stringify(firstSight));
  const lastMinted = { authorization: `Bearer ${firstSight.at(-1)}` };
  await expectAuthenticated(at(sqlitePort, '/secure-data'), { cookie: cookies.sqlite }, 'session');
  await expectAuthenticated(at(memoryPort, '/secure-data'), { cookie: cookies.memory }, 'session');
  await expectAuthenticated(at(nodePort, '/secure-data'), { cookie: cookies.node }, 'session');
  if (cookies.redis)
    await expectAuthenticated(at(redisPort, '/secure-data'), { cookie: cookies.redis }, 'session');
  if (cookies.postgres)
    await expectAuthenticated(
      at(postgresPort, '/secure-data'),
      { cookie: cookies.postgres },
      'session',
    );
  await expectAuthenticated(
    at(expressPort, '/secure-data'),
    { cookie: cookies.express },
    'session',
  );
  await expectAuthenticated(at(eocPort, '/secure-data'), { cookie: cookies.eoc }, 'session');
  for (const port of [sqlitePort, expressPort, oktaPort, josePort, nodePort]) {
    await expectAuthenticated(at(port, '/secure-data'), bearer, 'bearer');
    await expectAuthenticated(at(port, '/secure-data'), lastMinted, 'bearer');
  }
  await expectAuthenticated(at(bareProxyPort, '/orders'), {}, 'bearer');
  // A DPoP-bound token; its proofs carry BACKEND_URL (localhost) as htu, and expire: a run
  // (warm-up and measured) must fit in the proofs' window (60 s + CLOCK_TOLERANCE).
  const dpopFits = settings.warmup + settings.duration <= 80;
  const dpopPorts = { dpopRepeated: sqlitePort, joseDpop: josePort };
  const htu = (id: keyof typeof dpopPorts) => `${origin(dpopPorts[id])}/secure-data`;
  const dpopWanted = (['dpopRepeated', 'joseDpop'] as const).filter(wanted);
  const dpop =
    dpopWanted.length && dpopFits ? await dpopCredentials(issuer, dpopWanted.map(htu)) : undefined;
  /** The phase's own copy: its proofs carry its URL, and their number is set per run. */
  const dpopPhase = (id: keyof typeof dpopPorts) =>
    dpop
      ? { url: at(dpopPorts[id], '/secure-data'), dpop: { ...dpop, htu: htu(id) } }
      : { note: dpopFits ? 'not run (--only)' : 'skipped: proofs expire before the run ends' };

  // Throughput: every phase once per round, those judged against the ceiling between two
  // ceiling runs (lib/plan.ts).
  const demo = 'Gatehouse demo (Fastify)';
  const node = 'Gatehouse (node:http)';
  const plan: PlannedPhase[] = [
    {
      id: 'ceiling',
      label: 'ceiling: GET /healthz, no auth',
      server: demo,
      url: at(sqlitePort, '/healthz'),
    },
    {
      id: 'constantCaller',
      label:
        'calibration: same handler, constant caller (no guard), cookie sent (the SQLite backend)',
      server: demo,
      url: at(sqlitePort, '/bench/constant-caller'),
      headers: { cookie: cookies.sqlite },
    },
    {
      id: 'constantCallerBearer',
      label: 'calibration: same handler, constant caller (no guard), Bearer header sent',
      server: demo,
      url: at(sqlitePort, '/bench/constant-caller'),
      headers: bearer,
    },
    {
      id: 'cookieSqlite',
      label: 'session cookie, SQLite store (default)',
      server: demo,
      url: at(sqlitePort, '/secure-data'),
      headers: { cookie: cookies.sqlite },
    },
    {
      id: 'constantCallerMemory',
      label: 'calibration on the memory-store backend: same handler, constant caller, cookie sent',
      server: demo,
      url: at(memoryPort, '/bench/constant-caller'),
      headers: { cookie: cookies.memory },
    },
    {
      id: 'cookieMemory',
      label: 'session cookie, memory store',
      server: demo,
      url: at(memoryPort, '/secure-data'),
      headers: { cookie: cookies.memory },
    },
    {
      id: 'constantCallerRedis',
      label: 'calibration on the Redis-store backend: same handler, constant caller, cookie sent',
      server: demo,
      ...(cookies.redis
        ? { url: at(redisPort, '/bench/constant-caller'), headers: { cookie: cookies.redis } }
        : { note: redisFound ? 'not run (--only)' : 'skipped: redis-server is not installed' }),
    },
    {
      id: 'cookieRedis',
      label: 'session cookie, Redis store (in-process cache)',
      server: redis ? `${demo}, redis-server ${redis.version}` : demo,
      ...(cookies.redis
        ? { url: at(redisPort, '/secure-data'), headers: { cookie: cookies.redis } }
        : { note: redisFound ? 'not run (--only)' : 'skipped: redis-server is not installed' }),
    },
    {
      id: 'constantCallerPostgres',
      label:
        'calibration on the Postgres-store backend: same handler, constant caller, cookie sent',
      server: demo,
      ...(cookies.postgres
        ? { url: at(postgresPort, '/bench/constant-caller'), headers: { cookie: cookies.postgres } }
        : { note: postgresFound ? 'not run (--only)' : 'skipped: Postgres is not installed' }),
    },
    {
      id: 'cookiePostgres',
      label: 'session cookie, Postgres store',
      server: postgres ? `${demo}, Postgres ${postgres.version} (fsync off)` : demo,
      ...(cookies.postgres
        ? { url: at(postgresPort, '/secure-data'), headers: { cookie: cookies.postgres } }
        : {
            note: postgresFound ? 'not run (--only)' : 'skipped: Postgres is not installed',
          }),
    },
    {
      id: 'bearerRepeated',
      label: 'Bearer JWT, repeated (one token)',
      server: demo,
      url: at(sqlitePort, '/secure-data'),
      headers: bearer,
    },
    {
      id: 'bearerFirstSight',
      label: `Bearer JWT, first sight (${firstSight.length.toLocaleString('en-US')} tokens in turn)`,
      server: demo,
      url: at(sqlitePort, '/secure-data'),
      tokensFile,
    },
    {
      id: 'nodeFirstSight',
      label: `Bearer JWT, first sight, on node:http (the same tokens)`,
      server: node,
      url: at(nodePort, '/secure-data'),
      tokensFile,
    },
    {
      id: 'joseFirstSight',
      label: `bound: first sight on bare node:http, jose's jwtVerify alone (the same tokens)`,
      server: 'node:http + jose',
      url: at(josePort, '/secure-data'),
      tokensFile,
    },
    {
      id: 'dpopRepeated',
      label: 'DPoP-bound JWT, repeated (one token, a new proof each request)',
      server: demo,
      ...dpopPhase('dpopRepeated'),
    },
    {
      id: 'joseDpop',
      label:
        "bound: DPoP on bare node:http, jose's jwtVerify of each new proof alone (the same token, verified once), its jti recorded in SQLite",
      server: 'node:http + jose + better-sqlite3',
      ...dpopPhase('joseDpop'),
    },
    {
      id: 'expressCookie',
      label: 'session cookie, SQLite store (on Express)',
      server: 'Gatehouse (Express 5)',
      url: at(expressPort, '/secure-data'),
      headers: { cookie: cookies.express },
    },
    {
      id: 'eocCookie',
      label: 'appSession cookie',
      server: 'express-openid-connect (Express)',
      url: at(eocPort, '/secure-data'),
      headers: { cookie: cookies.eoc },
    },
    {
      id: 'expressCeiling',
      label: 'Express ceiling: GET /healthz, no auth',
      server: 'Express',
      url: at(oktaPort, '/healthz'),
    },
    {
      id: 'expressBearer',
      label: 'Bearer JWT, repeated (on Express)',
      server: 'Gatehouse (Express 5)',
      url: at(expressPort, '/secure-data'),
      headers: bearer,
    },
    {
      id: 'oktaBearer',
      label: 'Bearer JWT (verified on each request)',
      server: '@okta/jwt-verifier (Express)',
      url: at(oktaPort, '/secure-data'),
      headers: bearer,
    },
    {
      id: 'remoteDirect',
      label: 'remote API called directly with a Bearer token',
      server: 'node:http upstream',
      url: at(upstreamPort, '/orders'),
      headers: bearer,
    },
    {
      id: 'remoteProxy',
      label: 'the same remote API through the backend (session cookie, token per API)',
      server: `${demo}, memory store -> node:http upstream`,
      url: at(memoryPort, '/api/orders/orders'),
      headers: { cookie: cookies.memory, 'x-csrf': '1' } as Record<string, string>,
      cpuAlso: [upstreamPort],
    },
    {
      id: 'nodeProxy',
      label: 'the same remote API through the backend, on node:http',
      server: `${node}, memory store -> node:http upstream`,
      url: at(nodePort, '/api/orders/orders'),
      headers: { cookie: cookies.node, 'x-csrf': '1' } as Record<string, string>,
      cpuAlso: [upstreamPort],
    },
    {
      id: 'bareProxy',
      label: 'bound: the same call through a bare node:http proxy (no auth, no checks)',
      server: 'node:http proxy -> node:http upstream',
      url: at(bareProxyPort, '/orders'),
      headers: { cookie: cookies.memory, 'x-csrf': '1' } as Record<string, string>,
      cpuAlso: [upstreamPort],
    },
  ].map((phase) => ({ ...phase, id: phase.id as PhaseId, runs: [] }));
  for (const phase of plan) if (!wanted(phase.id)) phase.note ??= 'not run (--only)';
  await measureRounds(plan, (phase) => wanted(phase.id), quick ? 'ends' : 'between', {
    settings,
    servers,
    log,
    failures,
  });
  const phases: Phase[] = plan.map(
    ({
      url: _url,
      headers: _headers,
      tokensFile: _tokens,
      cpuAlso: _cpuAlso,
      dpop: _dpop,
      ...phase
    }) => phase,
  );
  summarize(phases);

  // Sign-in flows at the same IdP: the default (SQLite) backend, then express-openid-connect.
  let flows: FlowsPhase[] | undefined;
  const flowBackends = [
    {
      id: 'flows' as const,
      server: demo,
      child: servers.get(sqlitePort)!,
      spec: {
        backendUrl: origin(sqlitePort),
        loginPath: defaults.routes.login,
        callbackPath: defaults.routes.callback,
        cookieName: defaults.cookieName,
      },
    },
    {
      id: 'eocFlows' as const,
      server: 'express-openid-connect (Express)',
      child: servers.get(eocPort)!,
      spec: {
        backendUrl: origin(eocPort),
        loginPath: '/login',
        callbackPath: '/callback',
        cookieName: 'appSession',
      },
    },
  ].filter((backend) => wanted(backend.id));
  if (flowBackends.length) {
    log(`sign-in flows, ${settings.users} virtual users, ${settings.duration} s per round`);
    flows = await runFlows(flowBackends, { ...settings, credentials: ADA }, log, failures);
  }

  // Memory per session, in a fresh process, with a real sign-in's tokens and user.
  let memory: MemoryResult | undefined;
  if (wanted('memory')) {
    log(`memory at ${settings.sessions.toLocaleString('en-US')} sessions`);
    memory = await measureMemory({
      issuer,
      client: {
        id: 'tokens-bench',
        secret: 'tokens-bench-secret',
        redirectUri: `${origin(tokensPort)}/cb`,
      },
      me: { url: at(sqlitePort, defaults.routes.me), cookie: cookies.sqlite },
      count: settings.sessions,
    }).catch((error: unknown) => {
      failures.push(`memory per session: ${String(error)}`);
      return undefined;
    });
  }

  let bundles: BundleSize[] | undefined;
  if (wanted('bundles')) {
    bundles = await bundleSizes().catch((error: unknown) => {
      failures.push(`bundle sizes: ${String(error)}`);
      return undefined;
    });
  }

  const report: Omit<BenchReport, 'targets' | 'reported'> = {
    date,
    quick,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: {
      ...machine,
      loadAfter: loadNow(),
    },
    settings: {
      ...settings,
      loadGenerator: `autocannon ${autocannonVersion()} in its own process, pipelining 1`,
    },
    phases,
    ...(flows && { flows }),
    ...(memory && { memory }),
    cookies: {
      gatehouse: Buffer.byteLength(cookies.sqlite),
      expressOpenidConnect: Buffer.byteLength(cookies.eoc),
    },
    ...(bundles && { bundles }),
    failures,
  };
  return { ...report, targets: checkTargets(report), reported: reportedFigures(report) };
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
  if (args.json)
    writeFileSync(
      resolve(process.env.INIT_CWD ?? '.', args.json),
      `${JSON.stringify(report, null, 2)}\n`,
    );
  if (report.failures.length) process.exitCode = 1;
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
