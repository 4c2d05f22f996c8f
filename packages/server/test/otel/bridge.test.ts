import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { instrumentGatehouse } from '@gatehouse/server/otel';
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CookieJar } from '@gatehouse/dev-idp/testing';
import { channels, tracing } from '../../src/events.js';
import { signInThroughBackend, startStack, type Stack } from '../support/stack.js';
import { remoteApiOptions, startUpstream, type Upstream } from '../remote/upstream.js';
import { everythingSent, fullSession, telemetry, valueOf, type Telemetry } from './support.js';

const PSEUDONYM_KEY = 'otel-pseudonym-key-for-tests-only-0123456789';
const pseudonym = (sub: string) =>
  createHmac('sha256', PSEUDONYM_KEY).update(sub).digest('base64url');

let upstream: Upstream;
let stack: Stack;
let sent: Telemetry;
let stop: (() => void) | undefined;

beforeAll(async () => {
  upstream = await startUpstream();
  stack = await startStack({ options: remoteApiOptions(upstream) });
  await stack.backend.gatehouse.ready; // discovery done before any span is watched
});
afterAll(async () => {
  await stack?.close();
  await upstream?.close();
});
beforeEach(() => {
  sent = telemetry();
});
afterEach(async () => {
  stop?.();
  stop = undefined;
  await sent.close();
});

const instrument = (pseudonymKey?: string) => {
  stop = instrumentGatehouse({
    tracerProvider: sent.tracerProvider,
    meterProvider: sent.meterProvider,
    ...(pseudonymKey && { pseudonymKey }),
  });
};

describe('a whole session as spans and counters', () => {
  test('sign-in, refresh, remote API call and sign-out: span names, kinds, status and parents', async () => {
    instrument();
    await fullSession(stack, upstream);
    for (const name of ['login', 'callback', 'refresh', 'remote_api']) {
      expect(sent.named(`gatehouse.${name}`)).toHaveLength(1);
    }

    const [login] = sent.named('gatehouse.login');
    expect(login).toMatchObject({
      kind: SpanKind.INTERNAL,
      status: { code: SpanStatusCode.UNSET },
    });

    const [callback] = sent.named('gatehouse.callback');
    expect(callback).toMatchObject({ kind: SpanKind.INTERNAL });
    expect(callback!.status.code).toBe(SpanStatusCode.UNSET);
    const steps = (parent: { spanContext(): { spanId: string } }) =>
      sent
        .named('gatehouse.provider_call')
        .filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
        .map((span) => span.attributes['gatehouse.provider.step']);
    expect(steps(callback!)).toContain('callback');

    const [refresh] = sent.named('gatehouse.refresh');
    expect(refresh).toMatchObject({
      kind: SpanKind.INTERNAL,
      status: { code: SpanStatusCode.UNSET },
    });
    expect(steps(refresh!)).toEqual(['refresh']);

    const providerCalls = sent.named('gatehouse.provider_call');
    expect(providerCalls.every((span) => span.kind === SpanKind.CLIENT)).toBe(true);
    expect(providerCalls.map((span) => span.attributes['gatehouse.provider.step'])).toEqual(
      expect.arrayContaining(['callback', 'refresh', 'api token']),
    );

    const [remote] = sent.named('gatehouse.remote_api');
    const origin = new URL(upstream.url);
    expect(remote).toMatchObject({
      kind: SpanKind.CLIENT,
      status: { code: SpanStatusCode.UNSET },
      attributes: {
        'gatehouse.remote_api.name': '/api/orders', // its name: the path by default
        'http.request.method': 'GET',
        'server.address': origin.hostname,
        'server.port': Number(origin.port),
        'http.response.status_code': 200,
      },
    });
    // Every span has ended, none is an error, and none names a user without a pseudonym key.
    expect(sent.spans().every((span) => span.ended)).toBe(true);
    expect(sent.spans().filter((span) => span.status.code === SpanStatusCode.ERROR)).toEqual([]);
    expect(sent.spans().some((span) => 'enduser.pseudo.id' in span.attributes)).toBe(false);
  });

  test('counters: one sign-in, one refresh, one sign-out, no error.type; provider call durations by step', async () => {
    instrument();
    await fullSession(stack, upstream);
    const points = await sent.points();
    expect(valueOf(points, 'gatehouse.sign_ins')).toBe(1);
    expect(valueOf(points, 'gatehouse.refreshes')).toBe(1);
    expect(valueOf(points, 'gatehouse.sign_outs')).toBe(1);
    expect(valueOf(points, 'gatehouse.revocations')).toBe(1);
    expect(
      valueOf(points, 'gatehouse.provider_call.duration', {
        'gatehouse.provider.step': 'callback',
      }),
    ).toBe(1);
    expect(
      valueOf(points, 'gatehouse.provider_call.duration', { 'gatehouse.provider.step': 'refresh' }),
    ).toBe(1);
    expect(points.some((point) => 'error.type' in point.attributes)).toBe(false);
    // Seconds, in buckets made for seconds (not the SDK's default, made for milliseconds).
    const duration = points.find((point) => point.name === 'gatehouse.provider_call.duration');
    expect(duration!.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });

  test('privacy: no span or metric holds a token, cookie, code, session id, email or sub in clear; enduser.pseudo.id is the keyed hash', async () => {
    instrument(PSEUDONYM_KEY);
    const { secrets, sub } = await fullSession(stack, upstream);
    expect(secrets.length).toBeGreaterThanOrEqual(10);
    const text = await everythingSent(sent);
    for (const secret of secrets) expect(text).not.toContain(secret);

    // Opt-in: the user's spans carry the HMAC of sub under the application's key, and only spans.
    for (const name of ['gatehouse.callback', 'gatehouse.refresh', 'gatehouse.remote_api']) {
      expect(sent.named(name)[0]!.attributes['enduser.pseudo.id']).toBe(pseudonym(sub));
    }
    expect((await sent.points()).some((point) => 'enduser.pseudo.id' in point.attributes)).toBe(
      false,
    );
  });
});

describe('failures and refusals carry error.type, the ERR_* code', () => {
  test('a callback that belongs to no sign-in: the callback span fails with ERR_TRANSACTION_MISSING and is counted', async () => {
    instrument();
    const forged = await fetch(`${stack.backend.url}/signin-oidc?code=stolen-code&state=x`);
    expect(forged.status).toBe(400);
    const [callback] = sent.named('gatehouse.callback');
    expect(callback).toMatchObject({
      status: { code: SpanStatusCode.ERROR, message: 'ERR_TRANSACTION_MISSING' },
      attributes: { 'error.type': 'ERR_TRANSACTION_MISSING' },
    });
    const points = await sent.points();
    expect(valueOf(points, 'gatehouse.sign_ins', { 'error.type': 'ERR_TRANSACTION_MISSING' })).toBe(
      1,
    );
    expect(valueOf(points, 'gatehouse.sign_ins')).toBeUndefined();
    expect(await everythingSent(sent)).not.toContain('stolen-code');
  });

  test('a /login that asks for a parameter Gatehouse sets itself: the login span fails with ERR_LOGIN_PARAM_INVALID', async () => {
    instrument();
    const refused = await fetch(`${stack.backend.url}/login?nonce=mine`);
    expect(refused.status).toBe(400);
    const [login] = sent.named('gatehouse.login');
    expect(login).toMatchObject({
      status: { code: SpanStatusCode.ERROR, message: 'ERR_LOGIN_PARAM_INVALID' },
      attributes: { 'error.type': 'ERR_LOGIN_PARAM_INVALID' },
    });
  });

  test('requests the guard refuses (no session 401, no CSRF header 403) are counted by code and status', async () => {
    instrument();
    expect((await fetch(`${stack.backend.url}/secure-data`)).status).toBe(401);
    expect((await fetch(`${stack.backend.url}/secure-data`)).status).toBe(401);
    expect((await fetch(`${stack.backend.url}/logout`, { method: 'POST' })).status).toBe(403);
    const points = await sent.points();
    expect(
      valueOf(points, 'gatehouse.refusals', {
        'error.type': 'ERR_AUTHENTICATION_REQUIRED',
        'http.response.status_code': 401,
      }),
    ).toBe(2);
    expect(
      valueOf(points, 'gatehouse.refusals', {
        'error.type': 'ERR_CSRF',
        'http.response.status_code': 403,
      }),
    ).toBe(1);
  });

  test('a remote API that answers 503: the span fails with error.type 503', async () => {
    instrument();
    upstream.answer((_seen, res) => {
      res.writeHead(503);
      res.end();
    });
    try {
      const jar = await signedIn();
      const called = await jar.fetch(`${stack.backend.url}/api/orders/1`, {
        headers: { 'x-csrf': '1' },
      });
      expect(called.status).toBe(503);
    } finally {
      upstream.answer(undefined);
    }
    const [remote] = sent.named('gatehouse.remote_api');
    expect(remote).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      attributes: { 'error.type': '503', 'http.response.status_code': 503 },
    });
  });
});

/** A signed-in jar of its own. */
async function signedIn(): Promise<CookieJar> {
  const jar = new CookieJar();
  const callback = await signInThroughBackend({ backend: stack.backend, jar });
  expect(callback.status).toBe(302);
  return jar;
}

describe('parents', () => {
  test("a Gatehouse span started under the host's active span (its HTTP server span) is its child", async () => {
    instrument();
    const host = sent.tracerProvider.getTracer('host');
    await host.startActiveSpan('GET /login', async (span) => {
      const response = await stack.backend.gatehouse.handle({
        method: 'GET',
        url: '/login',
        headers: { host: new URL(stack.backend.url).host },
      });
      expect(response?.status).toBe(302);
      span.end();
    });
    const [parent] = sent.named('GET /login');
    const [login] = sent.named('gatehouse.login');
    expect(login!.parentSpanContext?.spanId).toBe(parent!.spanContext().spanId);
    expect(login!.spanContext().traceId).toBe(parent!.spanContext().traceId);
  });
});

describe('subscribing and unsubscribing', () => {
  test('stop() unsubscribes: nothing more reaches OpenTelemetry, and the channels have no subscribers', async () => {
    instrument();
    expect(tracing.callback.hasSubscribers).toBe(true);
    stop!();
    stop!(); // twice is harmless
    for (const channel of Object.values(tracing)) expect(channel.hasSubscribers).toBe(false);
    for (const channel of Object.values(channels)) expect(channel.hasSubscribers).toBe(false);
    expect((await fetch(`${stack.backend.url}/signin-oidc?code=x&state=y`)).status).toBe(400);
    expect((await fetch(`${stack.backend.url}/secure-data`)).status).toBe(401);
    expect(sent.spans()).toEqual([]);
    expect(await sent.points()).toEqual([]);
  });

  test('without the bridge nothing reaches the global providers, and the channels have no subscribers', async () => {
    trace.setGlobalTracerProvider(sent.tracerProvider);
    try {
      await fullSession(stack, upstream);
      expect((await fetch(`${stack.backend.url}/signin-oidc?code=x&state=y`)).status).toBe(400);
    } finally {
      trace.disable();
    }
    for (const channel of Object.values(tracing)) expect(channel.hasSubscribers).toBe(false);
    for (const channel of Object.values(channels)) expect(channel.hasSubscribers).toBe(false);
    expect(sent.spans()).toEqual([]);
  });

  test('the bridge uses the global providers by default', async () => {
    trace.setGlobalTracerProvider(sent.tracerProvider);
    try {
      stop = instrumentGatehouse();
      expect((await fetch(`${stack.backend.url}/signin-oidc?code=x&state=y`)).status).toBe(400);
    } finally {
      trace.disable();
    }
    expect(sent.named('gatehouse.callback')).toHaveLength(1);
  });

  test('a pseudonymKey shorter than 32 bytes is refused, naming the option', () => {
    expect(() => instrumentGatehouse({ pseudonymKey: 'short' })).toThrow(
      /pseudonymKey must be at least 32 bytes/,
    );
  });
});
