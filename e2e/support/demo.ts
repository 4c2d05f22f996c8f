/**
 * The demo, started for one browser test file on free ports: the dev IdP, the demo backend
 * (`buildDemoApp`, sessions in memory) and the front end built with Vite. Never the fixed
 * ports of `npm start` (7156, 7157, 5173), so the tests run next to a running demo.
 */
import { demoClients, startDevIdp, type DevIdp, type DevIdpOptions } from '@gatehouse/dev-idp';
import { freePort } from '@gatehouse/dev-idp/testing';
import {
  createGatehouse,
  MemoryStore,
  type GatehouseOptions,
  type SessionRecord,
} from '@gatehouse/server';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type * as Vite from 'vite';
import { buildDemoApp } from '../../apps/demo/server/app.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A demo user from `packages/dev-idp/users.json`. */
export const ADA = { email: 'ada@example.com', password: 'ada-dev-password', name: 'Ada Lovelace' };

/** A MemoryStore whose sessions a test can end behind the browser's back. */
export class InspectableStore extends MemoryStore {
  readonly keys = new Set<string>();

  override async create(key: string, record: SessionRecord): Promise<void> {
    this.keys.add(key);
    await super.create(key, record);
  }

  override async delete(key: string): Promise<void> {
    this.keys.delete(key);
    await super.delete(key);
  }

  /** Deletes every session, as an expiry or an admin would. */
  async deleteAll(): Promise<void> {
    for (const key of [...this.keys]) await this.delete(key);
  }
}

/**
 * Builds `apps/demo/web` into a new temporary folder with the workspace's Vite (8.3.8, pinned
 * for the whole tree), the way `npm run build -w apps/demo` does. `baseRestUrl` becomes
 * `VITE_BASE_REST_URL`: the backend's URL, or `''` for one origin.
 */
export async function buildFrontEnd(baseRestUrl: string): Promise<string> {
  const { build } = (await import('vite')) as typeof Vite;
  const outDir = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-web-'));
  // Variables in the environment win over web/.env.production (Vite's documented order).
  // NODE_ENV too: Vitest sets it to `test`, which would build React's development bundle.
  const previous = {
    VITE_BASE_REST_URL: process.env.VITE_BASE_REST_URL,
    NODE_ENV: process.env.NODE_ENV,
  };
  process.env.VITE_BASE_REST_URL = baseRestUrl;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(ROOT, 'apps/demo/web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return outDir;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** A tiny static server for a built single-page app: unknown paths get `index.html`. */
export async function serveStatic(dir: string, port: number): Promise<HttpServer> {
  const server = createHttpServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep)) file = join(dir, 'index.html');
    const found = await stat(file).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!found) file = join(dir, 'index.html');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Every log line Gatehouse and Fastify write, to check that none holds a token. */
function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/**
 * `two-origin`: the seed's topology, front end and backend on different ports (CORS with
 * credentials). `same-origin`: production, the backend serves the built front end itself.
 */
export type Topology = 'two-origin' | 'same-origin';

/** The running demo. */
export interface Demo {
  idp: DevIdp;
  /** Where the browser opens the app. */
  frontendUrl: string;
  backendUrl: string;
  store: InspectableStore;
  /** What Gatehouse logged. */
  log: string[];
  close(): Promise<void>;
}

/**
 * Starts the dev IdP, the demo backend and the front end on free ports.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ topology: 'two-origin', gatehouse: { idleTimeout: 2 } });
 * ```
 */
/** Options of {@link startDemo}. */
export interface DemoOptions {
  topology?: Topology;
  gatehouse?: Partial<GatehouseOptions>;
  /** Dev IdP options besides the ports and clients (`par`, `dpopNonce`). */
  idp?: Pick<DevIdpOptions, 'par' | 'dpopNonce'>;
  /** The dev IdP's second tenant as provider `acme` (domains `acme.example`), as `npm start`. */
  acme?: boolean;
}

export async function startDemo({
  topology = 'two-origin',
  gatehouse: overrides = {},
  idp: idpOptions = {},
  acme = false,
}: DemoOptions = {}): Promise<Demo> {
  const closers: (() => Promise<unknown>)[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const stop of closers.reverse()) await stop().catch(() => {});
    })());
  try {
    const backendPort = await freePort();
    const backendUrl = `http://localhost:${backendPort}`;
    const webPort = topology === 'two-origin' ? await freePort() : backendPort;
    const frontendUrl = `http://localhost:${webPort}`;

    const idp = await startDevIdp({
      port: 0,
      keysFile: false,
      quiet: true,
      fixedDemoCredentials: true,
      clients: demoClients({ backendUrl, frontendUrl }),
      ...(acme && { tenants: [{ id: 'acme' }] }),
      ...idpOptions,
    });
    closers.push(() => idp.close());

    const webRoot = await buildFrontEnd(topology === 'two-origin' ? backendUrl : '');
    closers.push(() => rm(webRoot, { recursive: true, force: true }));

    const store = new InspectableStore();
    const { logger, lines } = captureLog();
    const gatehouse = createGatehouse({
      issuer: idp.issuer,
      clientId: 'gatehouse-demo',
      clientSecret: 'gatehouse-demo-secret',
      backendUrl,
      frontendUrl,
      sessionSecret: 'e2e-session-secret-'.repeat(3),
      sessionStore: store,
      logger,
      ...(acme && {
        providers: [
          {
            id: 'acme',
            issuer: idp.tenants[0]!.issuer,
            clientId: 'gatehouse-demo',
            clientSecret: 'gatehouse-demo-secret',
            domains: ['acme.example'],
            displayName: 'Acme',
          },
        ],
      }),
      ...overrides,
    });
    closers.push(() => gatehouse.close());
    const app = await buildDemoApp({
      gatehouse,
      ...(topology === 'same-origin' && { webRoot }),
    });
    await app.listen({ port: backendPort, host: '127.0.0.1' });
    closers.push(() => app.close());

    if (topology === 'two-origin') {
      const web = await serveStatic(webRoot, webPort);
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            web.close(() => resolve());
            web.closeAllConnections();
          }),
      );
    }
    return { idp, frontendUrl, backendUrl, store, log: lines, close };
  } catch (error) {
    await close();
    throw error;
  }
}
