import { startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import type { GatehouseOptions } from '@gatehouse/server';
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { IntrospectionLimiter } from '../../src/bearer/introspection-limit.js';
import { AccessTokenInvalidError, IntrospectionBusyError } from '../../src/errors.js';
import {
  bearer,
  cliToken,
  expectInvalidToken,
  expressBackend,
  fastifyBackend,
  listen,
  startFakeIssuer,
  testClients,
  testOptions,
  type Answer,
} from './support.js';

type Backend = Awaited<ReturnType<typeof fastifyBackend>>;

/** A token no provider issued: what an attacker sends, 32 random bytes, no dot. */
const randomOpaque = () => randomBytes(32).toString('base64url');

/**
 * Counts the requests the dev IdP's own HTTP server receives at its introspection endpoint,
 * as they arrive (node:http publishes every incoming request on `http.server.request.start`;
 * the dev IdP runs in this process). `maxInFlight` is the most it was answering at once.
 */
function introspectionCounter(idp: DevIdp) {
  const counter = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const onRequest = (message: unknown) => {
    const { request, response, socket } = message as {
      request: IncomingMessage;
      response: ServerResponse;
      socket: Socket;
    };
    if (socket.localPort !== idp.port) return;
    if (!request.url?.startsWith('/oauth2/default/v1/introspect')) return;
    counter.calls++;
    counter.inFlight++;
    counter.maxInFlight = Math.max(counter.maxInFlight, counter.inFlight);
    response.once('close', () => counter.inFlight--);
  };
  subscribe('http.server.request.start', onRequest);
  return Object.assign(counter, {
    stop: () => unsubscribe('http.server.request.start', onRequest),
  });
}

function tally(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** The answer to a shed request: 503 `temporarily_unavailable` with a whole `Retry-After`. */
function expectBusy(answer: Answer): void {
  expect({ status: answer.status, error: answer.body.error }).toEqual({
    status: 503,
    error: 'temporarily_unavailable',
  });
  expect(answer.header('retry-after')).toMatch(/^[1-9]\d*$/);
}

describe('opaque Bearer tokens cannot spend the provider’s introspection quota', () => {
  // JWT access tokens, as an Okta custom authorization server issues them; its discovery
  // advertises an introspection endpoint all the same, as Okta's does.
  let idp: DevIdp;
  // Opaque access tokens: the real tokens that introspection exists for.
  let opaqueIdp: DevIdp;
  let counter: ReturnType<typeof introspectionCounter>;
  let opaqueCounter: ReturnType<typeof introspectionCounter>;
  const backends: Backend[] = [];

  beforeAll(async () => {
    const common = { port: 0, keysFile: false, quiet: true, clients: testClients() } as const;
    idp = await startDevIdp(common);
    opaqueIdp = await startDevIdp({ ...common, accessTokenFormat: 'opaque' });
    counter = introspectionCounter(idp);
    opaqueCounter = introspectionCounter(opaqueIdp);
  });
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
  });
  afterAll(async () => {
    counter.stop();
    opaqueCounter.stop();
    await idp.close();
    await opaqueIdp.close();
  });

  /** A fresh Fastify backend (its own limiter and caches), closed after the test. */
  async function backend(options: Partial<GatehouseOptions> & { issuer: string }) {
    const created = await fastifyBackend(testOptions(options));
    backends.push(created);
    // Discovery done before the clock starts, as on a server that has been up a while.
    await created.gatehouse.readiness();
    return created;
  }

  const flood = (target: Backend, count: number) =>
    Promise.all(
      Array.from({ length: count }, () => target.call('/secure-data', bearer(randomOpaque()))),
    );

  test('by default (off), 300 random opaque tokens get 300 × 401 and not one introspection call (quota spent by guessing)', async () => {
    const target = await backend({ issuer: idp.issuer });
    const before = counter.calls;
    const answers = await flood(target, 300);
    expect(tally(answers)).toEqual({ 401: 300 });
    for (const answer of answers) expectInvalidToken(answer);
    expect(counter.calls - before).toBe(0);
    // JWTs, which Okta's custom authorization servers issue, are verified locally as ever.
    const jwt = await target.call('/secure-data', bearer(await cliToken(idp.issuer)));
    expect(jwt.status).toBe(200);
  });

  test('on: a flood of 300 random opaque tokens makes at most the rate and concurrency cap of calls, the rest 503 with Retry-After at once (quota and socket exhaustion)', async () => {
    const rate = 5;
    const concurrency = 2;
    const target = await backend({
      issuer: idp.issuer,
      accessTokenIntrospection: 'on',
      introspectionRateLimit: rate,
      introspectionConcurrency: concurrency,
    });
    const before = counter.calls;
    const started = performance.now();
    const answers = await flood(target, 300);
    const seconds = (performance.now() - started) / 1000;
    const calls = counter.calls - before;

    // Never a hang: the shed requests are answered without waiting for anything.
    expect(seconds).toBeLessThan(5);
    expect(calls).toBeGreaterThan(0);
    // The bucket holds one second's worth, and refills at `rate` per second.
    expect(calls).toBeLessThanOrEqual(rate + Math.ceil(rate * seconds));
    expect(counter.maxInFlight).toBeLessThanOrEqual(concurrency);
    // Every call refused its (random) token; everything else was shed without a call.
    expect(tally(answers)).toEqual({ 401: calls, 503: 300 - calls });
    for (const answer of answers) {
      if (answer.status === 401) expectInvalidToken(answer);
      else expectBusy(answer);
    }
  });

  test('on: one refused token repeated is answered 401 from the negative cache, with no new call (replaying a bad token)', async () => {
    const target = await backend({
      issuer: idp.issuer,
      accessTokenIntrospection: 'on',
      introspectionRateLimit: 2,
    });
    const token = randomOpaque();
    const before = counter.calls;
    expectInvalidToken(await target.call('/secure-data', bearer(token)));
    expect(counter.calls - before).toBe(1);

    // One after the other (no shared verification), then all at once: far more than the
    // bucket's 2 calls, yet 401, not 503, and no call at all.
    for (let i = 0; i < 20; i++) {
      expectInvalidToken(await target.call('/secure-data', bearer(token)));
    }
    const burst = await Promise.all(
      Array.from({ length: 50 }, () => target.call('/secure-data', bearer(token))),
    );
    for (const answer of burst) expectInvalidToken(answer);
    expect(counter.calls - before).toBe(1);
  });

  test('on: a real opaque token from the dev IdP passes when not flooded, and after a flood once retried as Retry-After says (the limit locks nobody out)', async () => {
    const target = await backend({
      issuer: opaqueIdp.issuer,
      accessTokenIntrospection: 'on',
      introspectionRateLimit: 5,
    });
    const [token, next] = await Promise.all([
      cliToken(opaqueIdp.issuer),
      cliToken(opaqueIdp.issuer),
    ]);
    expect(token).not.toContain('.');
    const before = opaqueCounter.calls;
    const answer = await target.call('/secure-data', bearer(token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ via: 'bearer', sub: 'gatehouse-cli', scopes: ['api'] });
    expect(opaqueCounter.calls - before).toBe(1);

    // A flood empties the bucket; the token already accepted is served from the cache all along.
    const answers = await flood(target, 100);
    expect(tally(answers)[503]).toBeGreaterThan(0);
    expect((await target.call('/secure-data', bearer(token))).status).toBe(200);
    // A new real token may be shed now; retried after Retry-After, it passes, no restart needed.
    let first = await target.call('/secure-data', bearer(next));
    if (first.status === 503) {
      expectBusy(first);
      await new Promise((resolve) =>
        setTimeout(resolve, Number(first.header('retry-after')) * 1000),
      );
      first = await target.call('/secure-data', bearer(next));
    }
    expect(first.status).toBe(200);
  });

  test('a valid JWT passes while a flood of opaque tokens is being refused (the flood locks out no JWT caller)', async () => {
    const target = await backend({
      issuer: idp.issuer,
      accessTokenIntrospection: 'on',
      introspectionRateLimit: 2,
      introspectionConcurrency: 1,
    });
    // The JWKS loaded beforehand, as on a server in use; the JWT checked during the flood is
    // another one, so it is verified then, not served from the cache.
    expect((await target.call('/secure-data', bearer(await cliToken(idp.issuer)))).status).toBe(
      200,
    );
    const jwt = await cliToken(idp.issuer);
    const flooding = flood(target, 300);
    const during = await Promise.all(
      Array.from({ length: 5 }, () => target.call('/secure-data', bearer(jwt))),
    );
    const answers = await flooding;
    for (const answer of during) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ via: 'bearer', sub: 'gatehouse-cli' });
    }
    expect(tally(answers)[503]).toBeGreaterThan(250);
  });

  test('on, over real HTTP (Express): a shed request carries Retry-After on the wire (clients told when to come back, not to hammer)', async () => {
    const server = await listen();
    const target = await expressBackend(
      testOptions({
        issuer: idp.issuer,
        accessTokenIntrospection: 'on',
        introspectionRateLimit: 1,
      }),
      server,
    );
    try {
      await target.gatehouse.readiness();
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => target.call('/secure-data', bearer(randomOpaque()))),
      );
      const counts = tally(answers);
      expect(counts[401]).toBe(1);
      expect(counts[503]).toBe(4);
      for (const answer of answers) if (answer.status === 503) expectBusy(answer);
    } finally {
      await target.close();
    }
  });

  test('auto introspects where discovery advertises an endpoint, and refuses with no call where it does not; on without one is a 502 setup error', async () => {
    const auto = await backend({ issuer: idp.issuer, accessTokenIntrospection: 'auto' });
    const before = counter.calls;
    expectInvalidToken(await auto.call('/secure-data', bearer(randomOpaque())));
    expect(counter.calls - before).toBe(1);

    const bare = await startFakeIssuer(); // discovery without an introspection_endpoint
    try {
      const refusing = await backend({ issuer: bare.issuer, accessTokenIntrospection: 'auto' });
      expectInvalidToken(await refusing.call('/secure-data', bearer(randomOpaque())));
      const misconfigured = await backend({ issuer: bare.issuer, accessTokenIntrospection: 'on' });
      const answer = await misconfigured.call('/secure-data', bearer(randomOpaque()));
      expect({ status: answer.status, error: answer.body.error }).toEqual({
        status: 502,
        error: 'server_error',
      });
    } finally {
      await Promise.all(backends.splice(0).map((created) => created.close()));
      await bare.close();
    }
  });
});

describe('the introspection limiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const limits = { rate: 2, concurrency: 1, negativeTtl: 30, negativeCacheSize: 3 };

  test('forgets a refused token after its time (a token refused once is not refused for ever)', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const limiter = new IntrospectionLimiter(limits);
    limiter.remember('a', new AccessTokenInvalidError('refused'));
    expect(limiter.refused('a')).toBeInstanceOf(AccessTokenInvalidError);
    vi.advanceTimersByTime(29_000);
    expect(limiter.refused('a')).toBeDefined();
    vi.advanceTimersByTime(1_000);
    expect(limiter.refused('a')).toBeUndefined();
  });

  test('is bounded: a flood of distinct refused tokens never grows the negative cache past its size (memory exhaustion)', () => {
    const limiter = new IntrospectionLimiter(limits);
    for (let i = 0; i < 1000; i++) limiter.remember(`t${i}`, new AccessTokenInvalidError('x'));
    expect(limiter.refusedSize).toBe(3);
    expect(limiter.refused('t999')).toBeDefined();
    expect(limiter.refused('t0')).toBeUndefined();
  });

  test('sheds a call beyond the concurrency at once, without calling it (no request waits on a full pool)', async () => {
    const limiter = new IntrospectionLimiter({ ...limits, rate: 100 });
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const called = vi.fn(async () => {});
    const second = await limiter.run(called).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(IntrospectionBusyError);
    expect(second).toMatchObject({ code: 'ERR_INTROSPECTION_BUSY', status: 503, retryAfter: 1 });
    expect(called).not.toHaveBeenCalled();
    release();
    await first;
    expect(limiter.inFlight).toBe(0);
    await limiter.run(called);
    expect(called).toHaveBeenCalledOnce();
  });

  test('sheds calls beyond the rate with the seconds until the next one is allowed', async () => {
    const limiter = new IntrospectionLimiter({ ...limits, concurrency: 10 });
    await limiter.run(async () => {});
    await limiter.run(async () => {});
    const busy = (await limiter.run(async () => {}).catch((error: unknown) => error)) as {
      retryAfter: number;
    };
    expect(busy).toBeInstanceOf(IntrospectionBusyError);
    expect(busy.retryAfter).toBeGreaterThan(0);
    expect(busy.retryAfter).toBeLessThanOrEqual(0.5);
  });
});
