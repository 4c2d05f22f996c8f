/**
 * Harness of the "ending a session always wins" tests (issue 11): the hostile provider, Gatehouse
 * backends on a chosen store (one instance, or A on Fastify and B on Express sharing one real
 * redis-server), browser-like devices, and the checks every test repeats.
 */
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import type { GatehouseOptions } from '@gatehouse/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { HostileProvider } from '../hostile/provider.js';
import { signIn, startRelyingParty, type RelyingParty } from '../hostile/relying-party.js';
import { redisCommand, startRedis, type RedisServer } from '../support/redis.js';

export type StoreKind = 'memory' | 'sqlite' | 'redis';
export const STORES: StoreKind[] = ['memory', 'sqlite', 'redis'];

/**
 * The suite's provider and the stores of `kinds`: started once per file, reset before each test
 * (provider back to honest, Redis flushed, a new SQLite file), and every backend a test started
 * closed after it.
 */
export function integrityHarness(kinds: readonly StoreKind[] = STORES) {
  let hostile!: HostileProvider;
  let redis: RedisServer | undefined;
  let dir: string | undefined;
  let files = 0;
  const started: RelyingParty[] = [];

  beforeAll(async () => {
    hostile = await HostileProvider.start();
    if (kinds.includes('redis')) redis = await startRedis();
    if (kinds.includes('sqlite')) dir = mkdtempSync(join(tmpdir(), 'gatehouse-integrity-'));
  });
  afterAll(async () => {
    await hostile?.close();
    await redis?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    hostile.reset();
    if (redis) await redisCommand(redis.url, 'FLUSHALL');
    files++;
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((rp) => rp.close()));
  });

  const harness = {
    get hostile() {
      return hostile;
    },
    get redisUrl() {
      return redis!.url;
    },
    /** `sessionStore` for this test: the same spelling within a test, a new store per test. */
    store(kind: StoreKind): string {
      if (kind === 'memory') return 'memory';
      if (kind === 'sqlite') return `sqlite:${join(dir!, `sessions-${files}.db`)}`;
      return redis!.url;
    },
    /** A backend on `kind`'s store, closed after the test. */
    async start(
      kind: StoreKind,
      options: Partial<GatehouseOptions> = {},
      placement: Parameters<typeof startRelyingParty>[2] = {},
    ): Promise<RelyingParty> {
      const rp = await startRelyingParty(
        hostile,
        { sessionStore: harness.store(kind), ...options },
        placement,
      );
      started.push(rp);
      return rp;
    },
    /** Closes a backend before the end of the test (a restart, a new secret). */
    async stop(rp: RelyingParty): Promise<void> {
      started.splice(started.indexOf(rp), 1);
      await rp.close();
    },
    /**
     * Where a test signs out while another instance refreshes: one backend, or instance A
     * (Fastify) and B (Express) behind A's BACKEND_URL, sharing Redis.
     */
    async instances(
      setup: Setup,
      options: Partial<GatehouseOptions> = {},
    ): Promise<{ a: RelyingParty; b: RelyingParty; all: RelyingParty[] }> {
      if (setup !== 'redis, instances A and B') {
        const a = await harness.start(setup, options);
        return { a, b: a, all: [a] };
      }
      const a = await harness.start('redis', options);
      const b = await harness.start('redis', options, { framework: 'express', backendUrl: a.url });
      return { a, b, all: [a, b] };
    },
  };
  return harness;
}

export type Setup = StoreKind | 'redis, instances A and B';
export const SETUPS: Setup[] = [...STORES, 'redis, instances A and B'];

/** One browser signed in: its jar, its cookie as sent, and its provider session. */
export interface Device {
  jar: CookieJar;
  /** The Cookie header after sign-in: what a stolen copy would replay. */
  cookie: string;
  /** The provider session (`sid`) of this sign-in: its token responses carry it. */
  sid: string;
}

export async function signInDevice(hostile: HostileProvider, rp: RelyingParty): Promise<Device> {
  const { callback, jar } = await signIn(rp);
  expect(callback?.status, await callback?.clone().text()).toBe(302);
  return { jar, cookie: jar.header(rp.url)!, sid: hostile.issued.at(-1)!.sid };
}

/** The refresh token the provider issued last in the provider session `sid`. */
export function latestRefreshToken(hostile: HostileProvider, sid: string): string {
  return hostile.issued.filter((issued) => issued.sid === sid).at(-1)!.refresh_token;
}

/** A request from `device`'s browser to `rp` (the jar keys cookies by host, so any instance). */
export function on(rp: RelyingParty, device: Device, path: string, init: RequestInit = {}) {
  return device.jar.fetch(`${rp.url}${path}`, init);
}

export const CSRF = { 'x-csrf': '1' };

/** The "your devices" handles `device` sees, with which is its own. */
export async function sessionsSeenBy(
  rp: RelyingParty,
  device: Device,
): Promise<Array<{ id: string; current: boolean }>> {
  const response = await on(rp, device, '/sessions');
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: Array<{ id: string; current: boolean }> })
    .sessions;
}

/** The handle of `victim`'s session, as another session of the same user lists it. */
export async function handleOf(rp: RelyingParty, victim: Device, other: Device): Promise<string> {
  const mine = (await sessionsSeenBy(rp, victim)).find((session) => session.current)!;
  expect((await sessionsSeenBy(rp, other)).map((session) => session.id)).toContain(mine.id);
  return mine.id;
}

/** The ended session's cookie, replayed as it was, is refused on every instance. */
export async function expectEnded(instances: RelyingParty[], victim: Device): Promise<void> {
  for (const rp of instances) {
    for (const path of ['/me', '/secure-data']) {
      const replay = await fetch(`${rp.url}${path}`, { headers: { cookie: victim.cookie } });
      expect(replay.status, `${path} on ${rp.url} with the ended session's cookie`).toBe(401);
    }
  }
}

/**
 * RFC 7009: `token` reaches the revocation endpoint (in the background, hence the poll), as a
 * refresh token, from the authenticated client, and the provider no longer redeems it.
 */
export async function expectRevoked(hostile: HostileProvider, token: string): Promise<void> {
  await expect
    .poll(() => hostile.revokedTokens(), {
      timeout: 3000,
      message: 'the refresh token was never sent to the revocation endpoint',
    })
    .toContain(token);
  const call = hostile.callsTo('revocation').find((c) => c.form?.get('token') === token)!;
  expect(call.method).toBe('POST');
  expect(call.form!.get('token_type_hint')).toBe('refresh_token');
  expect(hostile.accepts(token)).toBe(false);
}

/** Settles with `promise`, or fails naming what took longer than `ms`. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
