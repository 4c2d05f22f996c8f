import { ValueType, type Attributes, type Meter } from '@opentelemetry/api';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { fail, type OpenSpan } from './spans.js';
import type { Pseudonym } from './pseudonym.js';

/** The message of an event that ends in success or a failure code. */
interface Outcome {
  ok?: boolean;
  code?: string;
}

const failed = (code: string | undefined): Attributes => ({ 'error.type': code ?? '_OTHER' });

/**
 * Counters and histograms over Gatehouse's event channels, and the outcome of each event on the
 * span it happens in (a sign-in on its callback's span). Returns an unsubscribe.
 */
export function countEvents(
  meter: Meter,
  current: AsyncLocalStorage<OpenSpan | undefined>,
  pseudonym: Pseudonym | undefined,
): () => void {
  const counter = (name: string, unit: string, description: string) =>
    meter.createCounter(name, { unit, description, valueType: ValueType.INT });
  const signIns = counter(
    'gatehouse.sign_ins',
    '{sign_in}',
    'Sign-ins that reached the callback; failures carry error.type, the ERR_* code.',
  );
  const signOuts = counter('gatehouse.sign_outs', '{sign_out}', 'Sessions ended by a sign-out.');
  const refreshes = counter(
    'gatehouse.refreshes',
    '{refresh}',
    'Access token refreshes; failures carry error.type, the ERR_* code.',
  );
  const revocations = counter(
    'gatehouse.revocations',
    '{revocation}',
    'Refresh token revocations at the end of a session; failures carry error.type.',
  );
  const refusals = counter(
    'gatehouse.refusals',
    '{refusal}',
    'Requests answered 401 or 403, by error.type (the ERR_* code) and status.',
  );
  const providerCalls = meter.createHistogram('gatehouse.provider_call.duration', {
    unit: 's',
    description: 'Calls to the identity provider, by gatehouse.provider.step.',
    // Seconds, as /metrics buckets them: from a local provider (5 ms) to past the HTTP timeout.
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
  });

  const handlers: Record<string, (message: unknown) => void> = {
    'gatehouse:sign-in': (message) => {
      signIns.add(1);
      const open = current.getStore();
      if (open && pseudonym) {
        open.span.setAttribute('enduser.pseudo.id', pseudonym((message as { sub: string }).sub));
      }
    },
    'gatehouse:sign-in-failed': (message) => {
      const { code } = message as Outcome;
      signIns.add(1, failed(code));
      const open = current.getStore();
      if (open) fail(open, code ?? '_OTHER');
    },
    'gatehouse:sign-out': () => signOuts.add(1),
    'gatehouse:refresh': (message) => {
      const { ok, code } = message as Outcome;
      refreshes.add(1, ok ? {} : failed(code));
      const open = current.getStore();
      if (open && !ok) fail(open, code ?? '_OTHER');
    },
    'gatehouse:revocation': (message) => {
      const { ok, code } = message as Outcome;
      revocations.add(1, ok ? {} : failed(code));
    },
    'gatehouse:refusal': (message) => {
      const { status, code } = message as { status: number; code: string };
      refusals.add(1, { ...failed(code), 'http.response.status_code': status });
    },
    'gatehouse:provider-call': (message) => {
      const { step, durationMs, ok, code } = message as Outcome & {
        step: string;
        durationMs: number;
      };
      providerCalls.record(durationMs / 1000, {
        'gatehouse.provider.step': step,
        ...(!ok && failed(code)),
      });
    },
  };
  for (const [name, handler] of Object.entries(handlers)) subscribe(name, handler);
  return () => {
    for (const [name, handler] of Object.entries(handlers)) unsubscribe(name, handler);
  };
}
