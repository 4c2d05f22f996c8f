import { channels, gatehouseMetrics, MemoryStore, type GatehouseMetrics } from '@gatehouse/server';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from '../src/metrics/registry.js';
import { signInThroughBackend, startStack, type Stack } from './support/stack.js';

/** The value of one sample line (`name{labels} value`), or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus text format', () => {
  test('counters, labelled series, escaping, and help and type lines', async () => {
    const registry = new Registry();
    const counter = registry.register(new Counter('demo_total', 'A help line\nwith a break.', []));
    counter.inc({ code: 'a"b\\c' });
    counter.inc({ step: 'x', code: 'y' }, 2);
    expect(await registry.render()).toBe(
      '# HELP demo_total A help line\\nwith a break.\n' +
        '# TYPE demo_total counter\n' +
        'demo_total{code="a\\"b\\\\c"} 1\n' +
        'demo_total{code="y",step="x"} 2\n',
    );
  });

  test('a counter without labels starts at 0', async () => {
    const registry = new Registry();
    registry.register(new Counter('starts_total', 'Starts.'));
    expect(await registry.render()).toContain('\nstarts_total 0\n');
  });

  test('histogram buckets are cumulative, with +Inf, sum and count', async () => {
    const registry = new Registry();
    const histogram = registry.register(new Histogram('latency_seconds', 'Latency.', [0.1, 1]));
    histogram.observe({ step: 'token' }, 0.05);
    histogram.observe({ step: 'token' }, 0.5);
    histogram.observe({ step: 'token' }, 3);
    const text = await registry.render();
    expect(text).toContain('latency_seconds_bucket{step="token",le="0.1"} 1\n');
    expect(text).toContain('latency_seconds_bucket{step="token",le="1"} 2\n');
    expect(text).toContain('latency_seconds_bucket{step="token",le="+Inf"} 3\n');
    expect(text).toContain('latency_seconds_sum{step="token"} 3.55\n');
    expect(text).toContain('latency_seconds_count{step="token"} 3\n');
  });

  test('a gauge whose collector fails renders no sample instead of failing the scrape', async () => {
    const registry = new Registry();
    registry.register(new Gauge('broken', 'Broken.', () => Promise.reject(new Error('down'))));
    expect(await registry.render()).toBe('# HELP broken Broken.\n# TYPE broken gauge\n');
  });
});

describe('gatehouseMetrics', () => {
  let metrics: GatehouseMetrics | undefined;
  let stack: Stack | undefined;
  afterEach(async () => {
    metrics?.close();
    await stack?.close();
    metrics = stack = undefined;
  });

  test('counts the diagnostics channel events, and stops at close()', async () => {
    metrics = gatehouseMetrics();
    channels.signIn.publish({ sub: 'ada' });
    channels.signInFailed.publish({ code: 'ERR_STATE_MISMATCH' });
    channels.signInFailed.publish({ code: 'ERR_STATE_MISMATCH' });
    channels.signOut.publish({ sub: 'ada' });
    channels.refresh.publish({ ok: true });
    channels.refresh.publish({ ok: false, code: 'ERR_GRANT_REJECTED' });
    channels.revocation.publish({ ok: true });
    channels.revocation.publish({ ok: true });
    channels.revocation.publish({ ok: false, code: 'ERR_PROVIDER_UNAVAILABLE' });
    channels.revocation.publish({ ok: false });
    channels.providerCall.publish({ step: 'refresh', durationMs: 40, ok: true });
    channels.providerCall.publish({
      step: 'refresh',
      durationMs: 6000,
      ok: false,
      code: 'ERR_PROVIDER_TIMEOUT',
    });

    const text = await metrics.render();
    expect(sample(text, 'gatehouse_sign_ins_total')).toBe(1);
    expect(sample(text, 'gatehouse_sign_in_failures_total{code="ERR_STATE_MISMATCH"}')).toBe(2);
    expect(sample(text, 'gatehouse_sign_outs_total')).toBe(1);
    expect(sample(text, 'gatehouse_refreshes_total{outcome="ok"}')).toBe(1);
    expect(
      sample(text, 'gatehouse_refreshes_total{code="ERR_GRANT_REJECTED",outcome="failed"}'),
    ).toBe(1);
    expect(sample(text, 'gatehouse_token_revocations_total{outcome="ok"}')).toBe(2);
    expect(
      sample(
        text,
        'gatehouse_token_revocations_total{code="ERR_PROVIDER_UNAVAILABLE",outcome="failed"}',
      ),
    ).toBe(1);
    expect(sample(text, 'gatehouse_token_revocations_total{code="unknown",outcome="failed"}')).toBe(
      1,
    );
    expect(
      sample(
        text,
        'gatehouse_provider_call_duration_seconds_bucket{outcome="ok",step="refresh",le="0.05"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'gatehouse_provider_call_duration_seconds_count{outcome="failed",step="refresh"}',
      ),
    ).toBe(1);
    expect(text).not.toContain('gatehouse_active_sessions'); // no store given
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');

    metrics.close();
    channels.signIn.publish({ sub: 'ada' });
    expect(sample(await metrics.render(), 'gatehouse_sign_ins_total')).toBe(1);
  });

  test('a real sign-in against the dev IdP: sign-ins, provider latency by step, active sessions', async () => {
    stack = await startStack();
    metrics = gatehouseMetrics({ store: stack.store, countInterval: 0 });
    const before = await metrics.render();
    expect(sample(before, 'gatehouse_active_sessions')).toBe(0);

    const callback = await signInThroughBackend(stack);
    expect(callback.status).toBe(302);
    // A callback that belongs to no sign-in: counted by its error code.
    const forged = await fetch(`${stack.backend.url}/signin-oidc?code=x&state=y`);
    expect(forged.status).toBe(400);

    const text = await metrics.render();
    expect(sample(text, 'gatehouse_sign_ins_total')).toBe(1);
    expect(sample(text, 'gatehouse_sign_in_failures_total{code="ERR_TRANSACTION_MISSING"}')).toBe(
      1,
    );
    expect(
      sample(text, 'gatehouse_provider_call_duration_seconds_count{outcome="ok",step="discovery"}'),
    ).toBe(1);
    expect(
      sample(text, 'gatehouse_provider_call_duration_seconds_count{outcome="ok",step="callback"}'),
    ).toBe(1);
    expect(sample(text, 'gatehouse_active_sessions')).toBe(1);
  });

  test('the active sessions gauge counts only unexpired sessions', async () => {
    const store = new MemoryStore();
    metrics = gatehouseMetrics({ store });
    const now = Math.floor(Date.now() / 1000);
    const record = (expiresAt: number) => ({
      user: { sub: 'u' },
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      accessTokenExpiresAt: 0,
      refreshable: false,
      tokens: new Uint8Array(),
    });
    await store.create('live', record(now + 60));
    await store.create('gone', record(now - 1));
    expect(sample(await metrics.render(), 'gatehouse_active_sessions')).toBe(1);
    await store.close();
  });

  test('revocations start at 0, so a rate of failures has a known start', async () => {
    metrics = gatehouseMetrics();
    const text = await metrics.render();
    expect(text).toContain('# TYPE gatehouse_token_revocations_total counter\n');
    expect(sample(text, 'gatehouse_token_revocations_total{outcome="ok"}')).toBe(0);
  });

  describe('the active sessions gauge counts the store at most once per interval', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** A store whose count() is watched and answers `value()`. */
    function countingStore(value: () => Promise<number>) {
      const store = new MemoryStore();
      const count = vi.fn(value);
      store.count = count;
      return { store, count };
    }

    test('scrapes within the interval reuse the last count: count() is not called per scrape', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      let sessions = 3;
      const { store, count } = countingStore(async () => sessions);
      metrics = gatehouseMetrics({ store }); // the default interval, 15 s
      for (let i = 0; i < 20; i++) {
        expect(sample(await metrics.render(), 'gatehouse_active_sessions')).toBe(3);
      }
      expect(count).toHaveBeenCalledTimes(1);

      sessions = 5;
      vi.advanceTimersByTime(14_000);
      expect(sample(await metrics.render(), 'gatehouse_active_sessions')).toBe(3);
      expect(count).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(1_000);
      expect(sample(await metrics.render(), 'gatehouse_active_sessions')).toBe(5);
      expect(count).toHaveBeenCalledTimes(2);
      await store.close();
    });

    test('concurrent scrapes share one count in flight', async () => {
      let finish!: (value: number) => void;
      const { store, count } = countingStore(
        () => new Promise<number>((resolve) => (finish = resolve)),
      );
      metrics = gatehouseMetrics({ store, countInterval: 0 });
      const scrapes = [metrics.render(), metrics.render(), metrics.render()];
      finish(7);
      for (const text of await Promise.all(scrapes)) {
        expect(sample(text, 'gatehouse_active_sessions')).toBe(7);
      }
      // With interval 0 the next scrape counts again: the gauge is never older than asked.
      expect(count).toHaveBeenCalledTimes(1);
      const next = metrics.render();
      finish(8);
      expect(sample(await next, 'gatehouse_active_sessions')).toBe(8);
      expect(count).toHaveBeenCalledTimes(2);
      await store.close();
    });

    test('a count that fails renders no sample, and is not retried before the interval', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { store, count } = countingStore(() => Promise.reject(new Error('store down')));
      metrics = gatehouseMetrics({ store, countInterval: 10 });
      expect(sample(await metrics.render(), 'gatehouse_active_sessions')).toBeUndefined();
      expect(sample(await metrics.render(), 'gatehouse_active_sessions')).toBeUndefined();
      expect(count).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(10_000);
      await metrics.render();
      expect(count).toHaveBeenCalledTimes(2);
      await store.close();
    });
  });
});
