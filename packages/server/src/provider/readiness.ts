import { ProviderTimeoutError, type GatehouseError } from '../errors.js';
import type { SessionStore } from '../session-store.js';
import type { ProviderContext } from './providers.js';

/** What a readiness probe answers (`gatehouse.readiness()`, the demo's `/readyz`). */
export interface Readiness {
  /** The store answers and at least one provider's discovery has loaded. */
  readonly ready: boolean;
  /** The default provider's discovery: `'ok'` or why not. */
  readonly discovery: string;
  /** The session store's ping: `'ok'` or why not. */
  readonly store: string;
  /** With several providers: each configured provider's discovery, by id. */
  readonly providers?: Readonly<Record<string, string>>;
}

/**
 * Discovery of each configured provider and the store's ping, waiting at most `waitMs` for
 * each. Ready when the store answers and at least one provider's discovery has loaded: one
 * customer's provider being down must not take the backend out of the load balancer for every
 * other customer (each instance sees the same outage, so no other instance would do better).
 * With one provider that is today's rule: its discovery and the store.
 */
export async function readiness(
  providers: readonly ProviderContext[],
  store: SessionStore,
  waitMs: number,
): Promise<Readiness> {
  const [storeState, ...discoveries] = await Promise.all([
    within(waitMs, store.ping?.() ?? Promise.resolve()).then(
      () => 'ok',
      (error: GatehouseError) => `not answering: ${error.description}`,
    ),
    ...providers.map((provider) =>
      within(waitMs, provider.discovery.configuration()).then(
        () => 'ok',
        (error: GatehouseError) => `not loaded: ${error.description} (retrying)`,
      ),
    ),
  ]);
  const ready = storeState === 'ok' && discoveries.includes('ok');
  const result = { ready, discovery: discoveries[0]!, store: storeState };
  if (providers.length < 2) return result;
  return {
    ...result,
    providers: Object.fromEntries(
      providers.map((provider, index) => [provider.id, discoveries[index]!]),
    ),
  };
}

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
