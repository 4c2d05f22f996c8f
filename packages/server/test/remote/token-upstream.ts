/**
 * Remote-API tests against the hostile provider (test/hostile/provider.ts), whose tokens are
 * opaque and whose token endpoint can be held, so a race can be played step by step.
 */
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { MemoryStore, type GatehouseOptions } from '@gatehouse/server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { HostileProvider } from '../hostile/provider.js';
import { signIn, startRelyingParty, type RelyingParty } from '../hostile/relying-party.js';

export const CSRF = { 'x-csrf': '1' };

/** An API on a free port that records the `Authorization` of each call and answers 200 `{}`. */
export async function startTokenUpstream() {
  const authorizations: string[] = [];
  /** Statuses of the next answers, oldest first (then 200 again). */
  const statuses: number[] = [];
  const server = createServer((request, response) => {
    authorizations.push(request.headers.authorization ?? '');
    request.resume();
    request.on('end', () => {
      response.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type TokenUpstream = Awaited<ReturnType<typeof startTokenUpstream>>;

/** `remoteApis` with `/api/orders/*` going to `upstream` with a token for `api://orders`. */
export function ordersApi(upstream: TokenUpstream): Partial<GatehouseOptions> {
  return {
    remoteApis: [{ path: '/api/orders', upstream: upstream.url, resource: 'api://orders' }],
  };
}

/**
 * Signs in at `rp` through the hostile provider: the jar holding the session cookie and the
 * refresh token the sign-in gave.
 */
export async function signedIn(
  hostile: HostileProvider,
  rp: RelyingParty,
): Promise<{ jar: CookieJar; refreshToken: string }> {
  const { callback, jar } = await signIn(rp, { jar: new CookieJar() });
  expect(callback?.status).toBe(302);
  const issued = hostile.issued.at(-1)!;
  expect(issued.grantType).toBe('authorization_code');
  return { jar, refreshToken: issued.refresh_token };
}

/** Two instances over one store (scale-out); options per instance on top of `shared`. */
export async function twoInstances(
  hostile: HostileProvider,
  shared: Partial<GatehouseOptions>,
  a: Partial<GatehouseOptions>,
  b: Partial<GatehouseOptions>,
): Promise<{ a: RelyingParty; b: RelyingParty; store: MemoryStore; close(): Promise<void> }> {
  const store = new MemoryStore();
  const first = await startRelyingParty(hostile, { ...shared, ...a, sessionStore: store });
  const second = await startRelyingParty(
    hostile,
    { ...shared, ...b, sessionStore: store },
    { backendUrl: first.url },
  );
  return {
    a: first,
    b: second,
    store,
    async close() {
      await first.close();
      await second.close();
      await store.close();
    },
  };
}
