import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { countEvents } from './counters.js';
import { pseudonymOf } from './pseudonym.js';
import { traceSpans } from './spans.js';

/** The instrumentation scope of Gatehouse's spans and metrics. */
const SCOPE = '@gatehouse/server';

/** Options of {@link instrumentGatehouse}. */
export interface GatehouseOtelOptions {
  /** Where spans go. Default: the global tracer provider (`trace.setGlobalTracerProvider`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global meter provider (`metrics.setGlobalMeterProvider`). */
  meterProvider?: MeterProvider;
  /**
   * A secret of at least 32 bytes that turns on `enduser.pseudo.id` on the spans of a user's
   * sign-in, refreshes and remote API calls: HMAC-SHA-256 of the user's `sub` under this key,
   * the same for one user across sign-ins. Off by default: no user identifier at all. Use a
   * key of its own, not `SESSION_SECRET`.
   */
  pseudonymKey?: string | Uint8Array;
}

/**
 * Sends what Gatehouse does to OpenTelemetry: spans around `/login` (`gatehouse.login`), the
 * callback (`gatehouse.callback`), refreshes (`gatehouse.refresh`), provider calls
 * (`gatehouse.provider_call`) and remote API calls (`gatehouse.remote_api`), and counters of
 * sign-ins, sign-outs, refreshes, revocations and refusals (401 and 403), with `error.type` set
 * to the `ERR_*` code of a failure. Never a token, cookie, code, session id, email or `sub`.
 * Subscribes to Gatehouse's `node:diagnostics_channel` channels, for every Gatehouse of the
 * process; returns the function that unsubscribes.
 *
 * @example
 * ```ts
 * import { NodeSDK } from '@opentelemetry/sdk-node'
 * import { instrumentGatehouse } from '@gatehouse/server/otel'
 *
 * new NodeSDK({ serviceName: 'orders-backend' }).start() // the global providers
 * const stop = instrumentGatehouse({ pseudonymKey: process.env.OTEL_PSEUDONYM_KEY })
 * // at shutdown: stop()
 * ```
 */
export function instrumentGatehouse({
  tracerProvider = trace.getTracerProvider(),
  meterProvider = metrics.getMeterProvider(),
  pseudonymKey,
}: GatehouseOtelOptions = {}): () => void {
  const pseudonym = pseudonymKey === undefined ? undefined : pseudonymOf(pseudonymKey);
  const spans = traceSpans(tracerProvider.getTracer(SCOPE), pseudonym);
  const stopCounting = countEvents(meterProvider.getMeter(SCOPE), spans.current, pseudonym);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    stopCounting();
    spans.stop();
  };
}
