import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { SessionStore } from '../session-store.js';
import { Counter, Gauge, Histogram, PROMETHEUS_CONTENT_TYPE, Registry } from './registry.js';

/** Seconds: from a fast local provider (5 ms) to the default HTTP timeout and past it. */
const LATENCY_BUCKETS = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Seconds between two counts of the session store, by default. */
const COUNT_INTERVAL = 15;

/** Options of {@link gatehouseMetrics}. */
export interface MetricsOptions {
  /** The session store, for the `gatehouse_active_sessions` gauge when it can `count()`. */
  store?: SessionStore;
  /**
   * Seconds during which a scrape reuses the last count of the store instead of counting again
   * (a count may scan the store). Default 15; 0 counts on every scrape.
   */
  countInterval?: number;
}

/**
 * Prometheus metrics of Gatehouse, fed by its `node:diagnostics_channel` events: sign-ins,
 * sign-in failures by code, sign-outs, refreshes and token revocations by outcome, provider call
 * latency by step, and active sessions when the store can count them (at most once per
 * `countInterval`, however often it is scraped). Counts every Gatehouse of the process.
 */
export interface GatehouseMetrics {
  /** `text/plain; version=0.0.4; charset=utf-8`, the `Content-Type` of {@link render}. */
  readonly contentType: string;
  /** The metrics in Prometheus text format. */
  render(): Promise<string>;
  /** Stops counting (unsubscribes from the channels). */
  close(): void;
}

/**
 * Starts counting Gatehouse's events for a Prometheus `/metrics` route.
 *
 * @example
 * ```ts
 * const metrics = gatehouseMetrics({ store })
 * app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()))
 * ```
 */
export function gatehouseMetrics({
  store,
  countInterval = COUNT_INTERVAL,
}: MetricsOptions = {}): GatehouseMetrics {
  const registry = new Registry();
  const signIns = registry.register(
    new Counter('gatehouse_sign_ins_total', 'Sessions started by a completed sign-in.'),
  );
  const signInFailures = registry.register(
    new Counter(
      'gatehouse_sign_in_failures_total',
      'Sign-ins that failed at the callback, by Gatehouse error code.',
      [],
    ),
  );
  const signOuts = registry.register(
    new Counter('gatehouse_sign_outs_total', 'Sessions ended by a sign-out.'),
  );
  const refreshes = registry.register(
    new Counter(
      'gatehouse_refreshes_total',
      'Access token refreshes, by outcome (ok or failed) and the error code of failures.',
      [{ outcome: 'ok' }],
    ),
  );
  const providerCalls = registry.register(
    new Histogram(
      'gatehouse_provider_call_duration_seconds',
      'Calls to the identity provider, by step (discovery, callback, userinfo, refresh, ...) and outcome.',
      LATENCY_BUCKETS,
    ),
  );
  const revocations = registry.register(
    new Counter(
      'gatehouse_token_revocations_total',
      'Refresh token revocations at the end of a session, by outcome (ok or failed) and the error code of failures.',
      [{ outcome: 'ok' }],
    ),
  );
  const count = store?.count?.bind(store);
  if (count) {
    registry.register(
      new Gauge(
        'gatehouse_active_sessions',
        'Unexpired sessions in the session store.',
        atMostEvery((Math.max(0, countInterval) || 0) * 1000, count),
      ),
    );
  }

  const handlers: Record<string, (message: unknown) => void> = {
    'gatehouse:sign-in': () => signIns.inc(),
    'gatehouse:sign-in-failed': (message) =>
      signInFailures.inc({ code: (message as { code?: string }).code ?? 'unknown' }),
    'gatehouse:sign-out': () => signOuts.inc(),
    'gatehouse:refresh': (message) => {
      const { ok, code } = message as { ok: boolean; code?: string };
      refreshes.inc(ok ? { outcome: 'ok' } : { outcome: 'failed', code: code ?? 'unknown' });
    },
    'gatehouse:revocation': (message) => {
      const { ok, code } = message as { ok: boolean; code?: string };
      revocations.inc(ok ? { outcome: 'ok' } : { outcome: 'failed', code: code ?? 'unknown' });
    },
    'gatehouse:provider-call': (message) => {
      const { step, durationMs, ok } = message as { step: string; durationMs: number; ok: boolean };
      providerCalls.observe({ step, outcome: ok ? 'ok' : 'failed' }, durationMs / 1000);
    },
  };
  for (const [name, handler] of Object.entries(handlers)) subscribe(name, handler);

  return {
    contentType: PROMETHEUS_CONTENT_TYPE,
    render: () => registry.render(),
    close() {
      for (const [name, handler] of Object.entries(handlers)) unsubscribe(name, handler);
    },
  };
}

/**
 * `collect`, called at most once per `intervalMs`: calls in between share the last result (a
 * failure too, as no value), and concurrent calls share one call in flight.
 */
function atMostEvery(
  intervalMs: number,
  collect: () => Promise<number>,
): () => Promise<number | undefined> {
  let last: { at: number; settled: boolean; value: Promise<number | undefined> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || (last.settled && (now - last.at >= intervalMs || now < last.at))) {
      const call = { at: now, settled: false, value: collect().catch(() => undefined) };
      void call.value.then(() => (call.settled = true));
      last = call;
    }
    return last.value;
  };
}
