import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatehouseOptions } from '@gatehouse/server';
import { decodeJwt } from 'jose';
import { signInThroughBackend, startStack, type Stack } from '../support/stack.js';

/** What the upstream received, one entry per request. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  claims: Record<string, unknown> | undefined;
}

/** How the upstream answers a request; the default echoes what it got as JSON. */
export type Behaviour = (received: Received, res: ServerResponse) => void;

/** A small API on a free port that records every request (headers, body, token claims). */
export async function startUpstream() {
  const received: Received[] = [];
  let behaviour: Behaviour | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const entry: Received = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        claims: token ? (decodeJwt(token) as Record<string, unknown>) : undefined,
      };
      received.push(entry);
      if (behaviour) return behaviour(entry, res);
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'up=1; Path=/' });
      res.end(JSON.stringify({ method: entry.method, url: entry.url, body: entry.body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** Answers the next requests this way (undefined: echo again). */
    answer(next: Behaviour | undefined) {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `remoteApis` that send `/api/orders/*` (GET and POST, scope orders:read) to `upstream`
 * under `/v1`.
 */
export function remoteApiOptions(upstream: { url: string }) {
  return {
    remoteApis: [
      {
        path: '/api/orders',
        upstream: `${upstream.url}/v1`,
        resource: 'api://orders',
        scopes: 'orders:read',
        methods: ['GET', 'POST'],
      },
    ],
  };
}

export type Upstream = Awaited<ReturnType<typeof startUpstream>>;

/**
 * A recording upstream, then a stack with the options `options(upstream)` gives, signed in
 * through its backend. `close` stops both, the upstream back to echoing first.
 */
export async function startProxyStack(
  options: (upstream: Upstream) => Partial<GatehouseOptions>,
): Promise<{ upstream: Upstream; stack: Stack; close(): Promise<void> }> {
  const upstream = await startUpstream();
  const stack = await startStack({ options: options(upstream) });
  await signInThroughBackend(stack);
  return {
    upstream,
    stack,
    async close() {
      upstream.answer(undefined);
      await stack.close();
      await upstream.close();
    },
  };
}
