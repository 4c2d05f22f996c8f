import { AuthFetchError, useAuthFetch, type AuthError } from '@gatehouse/react';
import { useState, type ReactNode } from 'react';
import { ErrorAlert } from './ErrorAlert.js';

/** What a card shows of its one call. */
export type Load =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'done'; data: unknown }
  | { status: 'failed'; error: AuthError; title?: string };

/** The card's words and the call it makes. */
export interface ApiCardProps {
  id: string;
  title: string;
  /** What is called, and how. */
  description: ReactNode;
  path: string;
  /** The button's label, the text while calling, and the text before the first call. */
  action: string;
  pending: string;
  empty: string;
  testId: string;
  answerLabel: string;
  /** Turns a failed call into what the card shows; a 401 has already signed the app out. */
  failure?: (error: unknown) => Load;
}

function failedCall(title: string) {
  return (e: unknown): Load =>
    e instanceof AuthFetchError
      ? {
          status: 'failed',
          error: { code: e.code, message: e.message },
          title: `${title} failed (HTTP ${e.status})`,
        }
      : { status: 'failed', error: { code: 'server_error', message: String(e) } };
}

/** A card with one button that calls the backend through `useAuthFetch` and shows the JSON. */
export function ApiCard(props: ApiCardProps) {
  const { id, title, description, path, action, pending, empty, testId, answerLabel } = props;
  const authFetch = useAuthFetch();
  const [load, setLoad] = useState<Load>({ status: 'idle' });
  const busy = load.status === 'loading';

  async function call() {
    if (busy) return;
    setLoad({ status: 'loading' });
    try {
      setLoad({ status: 'done', data: await authFetch(path) });
    } catch (e) {
      setLoad((props.failure ?? failedCall(title))(e));
    }
  }

  return (
    <section className="card span-2" aria-labelledby={id}>
      <div className="card-head">
        <div>
          <h2 id={id} className="card-title">
            {title}
          </h2>
          <p className="muted">{description}</p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void call()}
          aria-disabled={busy}
        >
          {busy && <span className="spinner spinner-sm" aria-hidden="true" />}
          {action}
        </button>
      </div>
      {load.status === 'failed' && <ErrorAlert error={load.error} title={load.title} />}
      {load.status === 'done' && (
        <pre className="output" data-testid={testId} tabIndex={0} aria-label={answerLabel}>
          {JSON.stringify(load.data, null, 2)}
        </pre>
      )}
      {(load.status === 'idle' || busy) && (
        <p className="output output-empty" aria-live="polite">
          {busy ? pending : empty}
        </p>
      )}
    </section>
  );
}
