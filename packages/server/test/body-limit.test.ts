/**
 * The 16 KiB limit of the one route that reads a body (POST /backchannel-logout, no credentials
 * needed) holds whatever the framing: a chunked body with no Content-Length that never ends is
 * answered 413 as soon as it passes the limit, on every host, and is not read further.
 */
import { createGatehouse, MemoryStore, type GatehouseOptions } from '@gatehouse/server';
import { gatehouseNext } from '@gatehouse/server/next';
import { freePort } from '@gatehouse/dev-idp/testing';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp as buildHonoApp } from '../../../examples/hono/server.js';
import type { ConformanceBackend, Start } from './conformance/suite.js';
import { startExpress5, startHono, startNodeHttp } from './conformance/starters.js';
import { startNextHandlers } from './remote/hosts.js';
import { captureLog } from './support/stack.js';

const LIMIT = 16 * 1024;
const CHUNK = Buffer.alloc(1024, 'a');
/** What a source offers at most before it stalls (still never ending): the old code hung. */
const OFFERED = 64 * 1024 * 1024;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Options for a Gatehouse that never reaches its provider: the body is refused before. */
function offlineOptions(port: number): GatehouseOptions {
  return {
    issuer: 'http://127.0.0.1:9/oidc',
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl: `http://localhost:${port}`,
    frontendUrl: 'http://localhost:5999',
    sessionSecret: 'test-secret-'.repeat(4),
    sessionStore: new MemoryStore(),
    logger: captureLog().logger,
  };
}

/**
 * POSTs a chunked body (no Content-Length) that never ends: `logout_token=aaaa...` pulled 1 KiB
 * at a time as the socket takes it. Resolves with the answer and how much had been pulled.
 */
function endlessChunkedPost(
  url: string,
): Promise<{ status: number; body: string; pulled: number }> {
  let pulled = 0;
  const source = new Readable({
    read() {
      if (pulled >= OFFERED) return; // stalls, never ends
      const chunk = pulled === 0 ? Buffer.from('logout_token=') : CHUNK;
      pulled += chunk.length;
      this.push(chunk);
    },
  });
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/backchannel-logout`, { method: 'POST', headers: FORM });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within 5 s; ${pulled} bytes pulled`));
    }, 5000);
    request.on('response', (response) => {
      const answered = pulled;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        source.unpipe(request);
        request.destroy();
        resolve({
          status: response.statusCode!,
          body: Buffer.concat(chunks).toString('utf8'),
          pulled: answered,
        });
      });
    });
    // The server may close the connection after answering: the answer is what counts.
    request.on('error', (error) => setTimeout(() => reject(error), 1000));
    source.pipe(request);
  });
}

describe.each([
  ['Hono on @hono/node-server', startHono],
  ['Next.js route handlers', startNextHandlers],
  ['node:http', startNodeHttp],
  ['Express 5', startExpress5],
] as [string, Start][])('body limit on %s, over a socket', (_name, start) => {
  let backend: ConformanceBackend;
  beforeAll(async () => {
    const port = await freePort();
    backend = await start({ port, options: offlineOptions(port) });
  });
  afterAll(() => backend?.close());

  test('an endless chunked back-channel logout body is answered 413 at the limit, not read whole', async () => {
    const { status, body, pulled } = await endlessChunkedPost(backend.url);
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: 'invalid_request' });
    // The limit plus what the sockets buffer on the way (loopback): nowhere near the offer.
    expect(pulled).toBeLessThan(16 * 1024 * 1024);
  });

  test('a declared Content-Length over the limit is answered 413 before any body is read', async () => {
    const response = await fetch(`${backend.url}/backchannel-logout`, {
      method: 'POST',
      headers: FORM,
      body: `logout_token=${'a'.repeat(LIMIT)}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });
});

/**
 * A standard `Request` whose body counts each chunk pulled from it, stalls (never ends) after
 * `OFFERED`, and records its cancellation.
 */
function countingRequest(url: string) {
  const seen = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled >= OFFERED) return new Promise<void>(() => {});
        seen.pulled += CHUNK.length;
        controller.enqueue(new Uint8Array(CHUNK));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const request = new Request(`${url}/backchannel-logout`, {
    method: 'POST',
    headers: FORM,
    body,
    duplex: 'half',
  } as RequestInit);
  return { request, seen };
}

function within<T>(promise: Promise<T>, what: () => string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`no answer within 5 s: ${what()}`)), 5000),
    ),
  ]);
}

describe.each([
  [
    'Hono (app.fetch)',
    (gatehouse: ReturnType<typeof createGatehouse>) => buildHonoApp(gatehouse).fetch,
  ],
  [
    'Next.js (the POST route handler)',
    (gatehouse: ReturnType<typeof createGatehouse>) => gatehouseNext(gatehouse).POST,
  ],
] as const)('body limit on %s, pulled chunk by chunk', (_name, handlerOf) => {
  const url = 'http://localhost:7999';
  const gatehouse = createGatehouse(offlineOptions(7999));
  afterAll(() => gatehouse.close());

  test('pulls the body only up to the limit, cancels the stream and answers 413', async () => {
    const { request, seen } = countingRequest(url);
    const handler = handlerOf(gatehouse) as (request: Request) => Promise<Response>;
    const response = await within(handler(request), () => `${seen.pulled} bytes pulled`);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(seen.pulled).toBeLessThanOrEqual(LIMIT + CHUNK.length);
    expect(seen.cancelled).toBe(true);
  });

  test('a body just within the limit is read whole: no logout_token in it is a 400, not a 413', async () => {
    const handler = handlerOf(gatehouse) as (request: Request) => Promise<Response>;
    const response = await handler(
      new Request(`${url}/backchannel-logout`, {
        method: 'POST',
        headers: FORM,
        body: `padding=${'a'.repeat(LIMIT - 8)}`,
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });
});
