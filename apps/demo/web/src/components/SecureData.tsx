import { AuthFetchError, useAuthFetch, type AuthError } from '@gatehouse/react';
import { useState } from 'react';
import { ErrorAlert } from './ErrorAlert.js';

type Load =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'done'; data: unknown }
  | { status: 'failed'; error: AuthError; title?: string };

function failure(e: unknown): Load {
  if (!(e instanceof AuthFetchError)) {
    return { status: 'failed', error: { code: 'server_error', message: String(e) } };
  }
  if (e.code === 'timeout') {
    return {
      status: 'failed',
      error: { code: 'timeout', message: 'The server did not answer in time. Please try again.' },
    };
  }
  if (e.code === 'network_error') {
    const message = 'The server could not be reached. Check your connection and try again.';
    return { status: 'failed', error: { code: 'network_error', message } };
  }
  if (e.status >= 502 && e.status <= 504) {
    const message =
      'The sign-in service cannot be reached right now. Please try again in a moment.';
    return { status: 'failed', error: { code: 'provider_unavailable', message } };
  }
  return {
    status: 'failed',
    error: { code: e.code, message: e.message },
    title: `Request failed (HTTP ${e.status})`,
  };
}

export function SecureData() {
  const authFetch = useAuthFetch();
  const [load, setLoad] = useState<Load>({ status: 'idle' });
  const busy = load.status === 'loading';

  async function loadSecureData() {
    if (busy) return;
    setLoad({ status: 'loading' });
    try {
      setLoad({ status: 'done', data: await authFetch('/secure-data') });
    } catch (e) {
      // A 401 has already turned the app to "signed out"; anything else is shown here.
      setLoad(failure(e));
    }
  }

  return (
    <section className="card span-2" aria-labelledby="secure-title">
      <div className="card-head">
        <div>
          <h2 id="secure-title" className="card-title">
            Secure data
          </h2>
          <p className="muted">
            <code>GET /secure-data</code>, sent with the session cookie.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void loadSecureData()}
          aria-disabled={busy}
        >
          {busy && <span className="spinner spinner-sm" aria-hidden="true" />}
          Load secure data
        </button>
      </div>
      {load.status === 'failed' && <ErrorAlert error={load.error} title={load.title} />}
      {load.status === 'done' && (
        <pre
          className="output"
          data-testid="secure-data"
          tabIndex={0}
          aria-label="Secure data answer"
        >
          {JSON.stringify(load.data, null, 2)}
        </pre>
      )}
      {(load.status === 'idle' || busy) && (
        <p className="output output-empty" aria-live="polite">
          {busy ? 'Loading…' : 'Nothing loaded yet.'}
        </p>
      )}
    </section>
  );
}
