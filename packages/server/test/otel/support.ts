import { context, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import { ADA, type Stack } from '../support/stack.js';
import { expireAccessToken, sessionOf } from '../dpop-client/support.js';
import type { Upstream } from '../remote/upstream.js';

/** A metric reader a test collects on demand. */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One data point: the metric's name, its attributes, and its value (a sum, or a count). */
export interface Point {
  name: string;
  attributes: Attributes;
  value: number;
  /** A histogram's bucket boundaries. */
  boundaries?: number[];
}

/**
 * A tracer provider that keeps spans in memory and a meter provider read on demand, with the
 * AsyncLocalStorage context manager a Node app registers.
 */
export function telemetry() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  return {
    tracerProvider,
    meterProvider,
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    /** The spans named `name`. */
    named: (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name),
    async points(): Promise<Point[]> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => ({
            name: metric.descriptor.name,
            attributes: point.attributes,
            ...(typeof point.value === 'number'
              ? { value: point.value }
              : { value: point.value.count, boundaries: point.value.buckets.boundaries }),
          })),
        ),
      );
    },
    async close() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      context.disable();
    },
  };
}

export type Telemetry = ReturnType<typeof telemetry>;

/** The value of the data point of `name` with exactly `attributes`, or undefined. */
export function valueOf(points: Point[], name: string, attributes: Attributes = {}) {
  const key = JSON.stringify(Object.entries(attributes).sort());
  return points.find(
    (point) =>
      point.name === name && JSON.stringify(Object.entries(point.attributes).sort()) === key,
  )?.value;
}

/** The spans, metric names and attributes as one text, to search for what must not be there. */
export async function everythingSent(sent: Telemetry): Promise<string> {
  const spans = sent.spans().map((span) => ({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    links: span.links.map((link) => link.attributes),
  }));
  return JSON.stringify({ spans, points: await sent.points() });
}

const CSRF = { 'x-csrf': '1' };

/**
 * Everything a browser session goes through, with its own jar: `/login`, the provider's form,
 * the callback; an expired access token refreshed on `/secure-data`; a remote API call to
 * `/api/orders/1`; the sign-out. Returns every secret seen on the way (cookies, the code,
 * tokens, the API token, `sub`, the email) and the user's `sub`.
 */
export async function fullSession(stack: Stack, upstream: Upstream) {
  const jar = new CookieJar();
  const secrets = new Set<string>([ADA.email, ADA.password]);
  const { url } = stack.backend;
  const keepCookies = () => {
    for (const pair of (jar.header(url) ?? '').split('; ').filter(Boolean)) {
      secrets.add(pair.slice(pair.indexOf('=') + 1));
    }
  };
  const keepSession = async () => {
    const { id, key, record, tokens } = await sessionOf(stack, jar);
    for (const value of [id, key, record.user.sub, tokens.access_token, tokens.refresh_token]) {
      if (value) secrets.add(value);
    }
    if (tokens.id_token) secrets.add(tokens.id_token);
    return record.user.sub;
  };

  const login = await jar.fetch(`${url}/login`);
  if (login.status !== 302) throw new Error(`/login answered ${login.status}`);
  keepCookies();
  const callbackUrl = new URL(await signIn(login.headers.get('location')!, ADA, jar));
  secrets.add(callbackUrl.searchParams.get('code')!);
  secrets.add(callbackUrl.searchParams.get('state')!);
  const callback = await jar.fetch(callbackUrl);
  if (callback.status !== 302) throw new Error(`the callback answered ${callback.status}`);
  keepCookies();
  const sub = await keepSession();

  await expireAccessToken(stack, jar);
  const refreshed = await jar.fetch(`${url}/secure-data`);
  if (refreshed.status !== 200) throw new Error(`/secure-data answered ${refreshed.status}`);
  await keepSession();

  const called = await jar.fetch(`${url}/api/orders/1`, { headers: CSRF });
  if (called.status !== 200) throw new Error(`the remote API answered ${called.status}`);
  const apiToken = /^Bearer (.+)$/.exec(upstream.received.at(-1)!.headers.authorization ?? '');
  secrets.add(apiToken![1]!);

  const logout = await jar.fetch(`${url}/logout`, { method: 'POST', headers: CSRF });
  if (logout.status !== 200) throw new Error(`/logout answered ${logout.status}`);
  return { secrets: [...secrets].filter(Boolean), sub, jar };
}
