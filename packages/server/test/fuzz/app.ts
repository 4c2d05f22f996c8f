/**
 * Gatehouse on Fastify, called in-process with `app.inject` (no socket on the backend side),
 * signing in at the hostile provider: the harness of the property-based tests. For what only a
 * socket can send (a request target in absolute form, `*`), both adapters listen and take raw
 * request lines (`listeningAdapters`, `rawRequest`).
 */
import { createGatehouse, MemoryStore, type GatehouseOptions } from '@gatehouse/server';
import { gatehouseExpress, requireAuth } from '@gatehouse/server/express';
import {
  gatehouseAuth,
  gatehouseCors,
  gatehouseFastify,
  requireAuth as fastifyGuard,
} from '@gatehouse/server/fastify';
import express from 'express';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { captureLog } from '../support/stack.js';
import { CLIENT, type HostileProvider } from '../hostile/provider.js';

export const BACKEND_URL = 'http://localhost:7999';
export const FRONTEND_URL = 'http://localhost:5999';

export interface InjectableApp {
  app: FastifyInstance;
  store: MemoryStore;
  log: string[];
  close(): Promise<void>;
}

export async function injectableApp(
  hostile: HostileProvider,
  options: Partial<GatehouseOptions> = {},
): Promise<InjectableApp> {
  const store = new MemoryStore();
  const { logger, lines } = captureLog();
  const gatehouse = createGatehouse({
    ...fuzzOptions(hostile),
    sessionStore: store,
    logger,
    ...options,
  });
  const app = Fastify();
  await app.register(gatehouseAuth);
  await app.register(gatehouseFastify, { gatehouse });
  app.addHook('onRequest', gatehouseCors(gatehouse));
  const data = async () => ({ message: 'You are authenticated!' });
  app.get('/secure-data', { preHandler: fastifyGuard(gatehouse) }, data);
  app.post('/secure-data', { preHandler: fastifyGuard(gatehouse) }, data);
  await app.ready();
  return {
    app,
    store,
    log: lines,
    async close() {
      await app.close();
      await gatehouse.close();
    },
  };
}

/** The Set-Cookie lines of an injected response. */
export function setCookies(response: LightMyRequestResponse): string[] {
  const header = response.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

/** The `name=value` part of each Set-Cookie line, joined as a browser would send them back. */
export function cookieHeader(response: LightMyRequestResponse): string {
  return setCookies(response)
    .map((line) => line.split(';')[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

/** No Set-Cookie starts a session: the session cookie is absent, or cleared (empty, Max-Age=0). */
export function expectNoSessionStarted(response: LightMyRequestResponse): void {
  for (const line of setCookies(response)) {
    if (line.startsWith('gatehouse=')) expect(line).toMatch(/^gatehouse=;.*Max-Age=0/);
  }
}

/**
 * A real sign-in through the injected app: `/login`, the hostile provider's authorization
 * endpoint (over the network), the callback. Returns the session cookie's value.
 */
export async function signInSession(app: FastifyInstance): Promise<string> {
  const login = await app.inject({ method: 'GET', url: '/login' });
  const authorize = await fetch(login.headers.location as string, { redirect: 'manual' });
  const callbackUrl = new URL(authorize.headers.get('location')!);
  const callback = await app.inject({
    method: 'GET',
    url: callbackUrl.pathname + callbackUrl.search,
    headers: { cookie: cookieHeader(login) },
  });
  expect(callback.statusCode).toBe(302);
  const session = /^gatehouse=([\w-]{43});/.exec(
    setCookies(callback).find((line) => line.startsWith('gatehouse=')) ?? '',
  )?.[1];
  expect(session).toBeDefined();
  return session!;
}

/** Gatehouse on one adapter, listening on a loopback port. */
export interface ListeningAdapter {
  name: 'fastify' | 'express';
  port: number;
}

/** Gatehouse on Fastify and on Express, each listening, sharing one captured log. */
export interface ListeningAdapters {
  adapters: ListeningAdapter[];
  log: string[];
  close(): Promise<void>;
}

/** A Gatehouse on the hostile provider with a memory store, as every fuzz target has. */
export function fuzzOptions(hostile: HostileProvider): GatehouseOptions {
  return {
    issuer: hostile.issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    backendUrl: BACKEND_URL,
    frontendUrl: FRONTEND_URL,
    sessionSecret: 'fuzz-test-secret-'.repeat(2),
    sessionStore: new MemoryStore(),
  };
}

export async function listeningAdapters(hostile: HostileProvider): Promise<ListeningAdapters> {
  const { logger, lines } = captureLog();
  const make = () => createGatehouse({ ...fuzzOptions(hostile), logger });
  const data = { message: 'You are authenticated!' };

  const onFastify = make();
  const fastify = Fastify();
  await fastify.register(gatehouseAuth);
  await fastify.register(gatehouseFastify, { gatehouse: onFastify });
  fastify.addHook('onRequest', gatehouseCors(onFastify));
  fastify.get('/secure-data', { preHandler: fastifyGuard(onFastify) }, async () => data);
  await fastify.listen({ port: 0, host: '127.0.0.1' });

  const onExpress = make();
  const app = express();
  app.use(gatehouseExpress(onExpress));
  app.get('/secure-data', requireAuth(onExpress), (_req, res) => {
    res.json(data);
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });

  return {
    adapters: [
      { name: 'fastify', port: (fastify.server.address() as AddressInfo).port },
      { name: 'express', port: (server.address() as AddressInfo).port },
    ],
    log: lines,
    async close() {
      await fastify.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([onFastify.close(), onExpress.close()]);
    },
  };
}

/** A response read off the socket: status, raw head, and the body as sent (chunked or not). */
export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends one request exactly as given (`fetch` would normalize the target) and reads the answer
 * until the server closes the connection.
 */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        head,
        body: end < 0 ? '' : text.slice(end + 4),
      });
    });
    const lines = [`${method} ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}
