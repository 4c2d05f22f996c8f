import { startDevIdp, type DevIdp, type DevIdpOptions } from '@gatehouse/dev-idp';
import { CookieJar, freePort, signIn } from '@gatehouse/dev-idp/testing';
import {
  createGatehouse,
  MemoryStore,
  type Gatehouse,
  type GatehouseOptions,
  type SessionStore,
} from '@gatehouse/server';
import {
  gatehouseExpress,
  requireAuth,
  requireGroup,
  requireScope,
  type Rule,
} from '@gatehouse/server/express';
import {
  gatehouseAuth,
  gatehouseCors,
  gatehouseFastify,
  requireAuth as fastifyGuard,
} from '@gatehouse/server/fastify';
import express from 'express';
import Fastify from 'fastify';
import { createHash } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { pino } from 'pino';
import { Writable } from 'node:stream';

export const ADA = { email: 'ada@example.com', password: 'ada-dev-password' };
export type Framework = 'fastify' | 'express';

export { freePort };

/** The scope `/reports` of a test backend needs. */
export const REPORTS_SCOPE = 'reports:read';

/** The dev IdP's client for a backend at `backendUrl`. */
export function webClient(backendUrl: string, frontendUrl: string) {
  return {
    client_id: 'gatehouse-test',
    client_secret: 'gatehouse-test-secret',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [`${backendUrl}/signin-oidc`],
    post_logout_redirect_uris: [frontendUrl],
  };
}

/**
 * A backend with Gatehouse on one framework, listening on `port`. Besides Gatehouse's routes:
 * `/secure-data` (signed in), `/admin-data` (group `admins`), `/reports` (scope `reports:read`).
 */
export interface Backend {
  url: string;
  gatehouse: Gatehouse;
  close(): Promise<void>;
}

export async function startBackend(
  framework: Framework,
  port: number,
  options: GatehouseOptions,
): Promise<Backend> {
  const gatehouse = createGatehouse(options);
  const hash = (text: string) => createHash('sha256').update(text).digest('hex');
  let close: () => Promise<void>;
  if (framework === 'fastify') {
    const app = Fastify();
    await app.register(gatehouseAuth);
    await app.register(gatehouseFastify, { gatehouse });
    app.addHook('onRequest', gatehouseCors(gatehouse));
    const guard = (...rules: Rule[]) => ({ preHandler: fastifyGuard(gatehouse, ...rules) });
    app.get('/secure-data', guard(), async (request) => ({
      message: 'You are authenticated!',
      accessTokenHash: hash(request.auth!.accessToken()),
    }));
    app.post('/secure-data', guard(), async () => ({ changed: true }));
    app.get('/admin-data', guard(requireGroup('admins')), async (request) => ({
      groups: request.auth!.groups,
    }));
    app.get('/reports', guard(requireScope(REPORTS_SCOPE)), async (request) => ({
      scopes: request.auth!.scopes,
    }));
    await app.listen({ port, host: '127.0.0.1' });
    close = () => app.close();
  } else {
    const app = express();
    app.use(gatehouseExpress(gatehouse));
    app.get('/secure-data', requireAuth(gatehouse), (req, res) => {
      res.json({
        message: 'You are authenticated!',
        accessTokenHash: hash(req.auth!.accessToken()),
      });
    });
    app.post('/secure-data', requireAuth(gatehouse), (_req, res) => {
      res.json({ changed: true });
    });
    app.get('/admin-data', requireAuth(gatehouse, requireGroup('admins')), (req, res) => {
      res.json({ groups: req.auth!.groups });
    });
    app.get('/reports', requireAuth(gatehouse, requireScope(REPORTS_SCOPE)), (req, res) => {
      res.json({ scopes: req.auth!.scopes });
    });
    const server = await new Promise<HttpServer>((resolve) => {
      const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
    });
    close = () => new Promise((resolve) => server.close(() => resolve()));
  }
  return {
    url: `http://localhost:${port}`,
    gatehouse,
    async close() {
      await close();
      await gatehouse.close();
    },
  };
}

/** Log lines written by Gatehouse during a test, to check what they must never contain. */
export function captureLog() {
  const lines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  return { logger, lines };
}

/** A dev IdP and one backend wired to each other, with a browser-like cookie jar. */
export interface Stack {
  idp: DevIdp;
  backend: Backend;
  frontendUrl: string;
  store: MemoryStore;
  log: string[];
  jar: CookieJar;
  close(): Promise<void>;
}

/**
 * A dev IdP for one test: a free port, keys in memory, quiet, the demo's fixed client
 * credentials (`gatehouse-demo-secret`, ...), then `options`.
 */
export function startTestIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  return startDevIdp({
    port: 0,
    keysFile: false,
    quiet: true,
    fixedDemoCredentials: true,
    ...options,
  });
}

export async function startStack({
  framework = 'fastify',
  options = {},
  idpOptions = {},
  clients = (backendUrl, frontendUrl) => [webClient(backendUrl, frontendUrl)],
}: {
  framework?: Framework;
  options?: Partial<GatehouseOptions>;
  idpOptions?: DevIdpOptions;
  /** The dev IdP's clients for the backend's and front end's URLs (default: `gatehouse-test`). */
  clients?: (backendUrl: string, frontendUrl: string) => DevIdpOptions['clients'];
} = {}): Promise<Stack> {
  const port = await freePort();
  const backendUrl = `http://localhost:${port}`;
  const frontendUrl = 'http://localhost:5999';
  const idp = await startTestIdp({
    clients: clients(backendUrl, frontendUrl),
    ...idpOptions,
  });
  const store = new MemoryStore();
  const { logger, lines } = captureLog();
  const backend = await startBackend(framework, port, {
    issuer: idp.issuer,
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl,
    frontendUrl,
    sessionSecret: 'test-secret-'.repeat(4),
    sessionStore: store,
    logger,
    ...options,
  });
  return {
    idp,
    backend,
    frontendUrl,
    store,
    log: lines,
    jar: new CookieJar(),
    async close() {
      await backend.close();
      await idp.close();
    },
  };
}

/**
 * Drives a sign-in as a browser would: `/login`, the provider's form, back to the callback.
 * Returns the callback's response.
 */
export async function signInThroughBackend(
  stack: Pick<Stack, 'backend' | 'jar'>,
  {
    query = '',
    credentials = ADA,
    headers = {},
  }: { query?: string; credentials?: typeof ADA; headers?: Record<string, string> } = {},
): Promise<Response> {
  const login = await stack.jar.fetch(`${stack.backend.url}/login${query}`, { headers });
  if (login.status !== 302)
    throw new Error(`/login answered ${login.status}: ${await login.text()}`);
  const callbackUrl = await signIn(login.headers.get('location')!, credentials, stack.jar);
  return stack.jar.fetch(callbackUrl, { headers });
}

/** The value of a Set-Cookie header's cookie `name`, or undefined. */
export function setCookie(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

/**
 * A Gatehouse whose provider is nowhere (nothing listens on its issuer), for cases that never
 * reach the provider: `store` holds its sessions.
 */
export function offlineGatehouse(store: SessionStore = new MemoryStore()): Gatehouse {
  return createGatehouse({
    issuer: 'http://127.0.0.1:9/',
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl: 'http://localhost:3000',
    frontendUrl: 'http://localhost:3000',
    sessionSecret: 'test-secret-'.repeat(4),
    sessionStore: store,
    logger: captureLog().logger,
  });
}
