import { AuthFetchError, useAuthFetch, type AuthError } from '@gatehouse/react';
import { useState } from 'react';
import { ErrorAlert } from './ErrorAlert.js';

type Load =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'done'; data: unknown }
  | { status: 'failed'; error: AuthError; title?: string };

/**
 * The orders API, a separate service with its own audience (`api://orders`), called through the
 * backend: the browser sends its cookie and `X-CSRF: 1` to `/api/orders/whoami`, the backend
 * forwards it with a token for that API. The token itself never reaches this page.
 */
export function OrdersCard() {
  const authFetch = useAuthFetch();
  const [load, setLoad] = useState<Load>({ status: 'idle' });
  const busy = load.status === 'loading';

  async function callOrders() {
    if (busy) return;
    setLoad({ status: 'loading' });
    try {
      setLoad({ status: 'done', data: await authFetch('/api/orders/whoami') });
    } catch (e) {
      setLoad(
        e instanceof AuthFetchError
          ? {
              status: 'failed',
              error: { code: e.code, message: e.message },
              title: `Orders API failed (HTTP ${e.status})`,
            }
          : { status: 'failed', error: { code: 'server_error', message: String(e) } },
      );
    }
  }

  return (
    <section className="card span-2" aria-labelledby="orders-title">
      <div className="card-head">
        <div>
          <h2 id="orders-title" className="card-title">
            Orders API
          </h2>
          <p className="muted">
            <code>GET /api/orders/whoami</code>, forwarded by the backend with a token for{' '}
            <code>api://orders</code>.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void callOrders()}
          aria-disabled={busy}
        >
          {busy && <span className="spinner spinner-sm" aria-hidden="true" />}
          Call the orders API
        </button>
      </div>
      {load.status === 'failed' && <ErrorAlert error={load.error} title={load.title} />}
      {load.status === 'done' && (
        <pre
          className="output"
          data-testid="orders-data"
          tabIndex={0}
          aria-label="Orders API answer"
        >
          {JSON.stringify(load.data, null, 2)}
        </pre>
      )}
      {(load.status === 'idle' || busy) && (
        <p className="output output-empty" aria-live="polite">
          {busy ? 'Calling…' : 'Not called yet.'}
        </p>
      )}
    </section>
  );
}
