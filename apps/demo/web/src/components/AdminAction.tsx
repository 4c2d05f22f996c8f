import { AuthFetchError, useAuthFetch, type AuthError } from '@gatehouse/react';
import { useState } from 'react';
import { ErrorAlert } from './ErrorAlert.js';

type Run =
  | { status: 'idle' | 'running' }
  | { status: 'done'; data: unknown }
  | { status: 'failed'; error: AuthError };

/**
 * A sensitive action (`POST /admin-action`): the backend asks for a second factor (RFC 9470);
 * `useAuthFetch` runs the step-up sign-in (the dev IdP shows the one-time code) and retries.
 */
export function AdminAction() {
  const authFetch = useAuthFetch();
  const [run, setRun] = useState<Run>({ status: 'idle' });
  const busy = run.status === 'running';

  async function act() {
    if (busy) return;
    setRun({ status: 'running' });
    try {
      // Safe to send twice (the demo's action changes nothing), so sent again after the step-up.
      const data = await authFetch('/admin-action', { method: 'POST', retryNonIdempotent: true });
      setRun({ status: 'done', data });
    } catch (e) {
      const error =
        e instanceof AuthFetchError
          ? { code: e.code, message: e.message }
          : { code: 'server_error', message: String(e) };
      setRun({ status: 'failed', error });
    }
  }

  return (
    <section className="card span-2" aria-labelledby="admin-action-title">
      <div className="card-head">
        <div>
          <h2 id="admin-action-title" className="card-title">
            Admin action
          </h2>
          <p className="muted">
            <code>POST /admin-action</code>: admins, with a second factor in the last 5 minutes.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void act()}
          aria-disabled={busy}
        >
          {busy && <span className="spinner spinner-sm" aria-hidden="true" />}
          Run admin action
        </button>
      </div>
      {run.status === 'failed' && <ErrorAlert error={run.error} title="Admin action refused" />}
      {run.status === 'done' && (
        <pre
          className="output"
          data-testid="admin-action"
          tabIndex={0}
          aria-label="Admin action answer"
        >
          {JSON.stringify(run.data, null, 2)}
        </pre>
      )}
    </section>
  );
}
