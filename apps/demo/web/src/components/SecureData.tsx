import { AuthFetchError } from '@gatehouse/react';
import { ApiCard, type Load } from './ApiCard.js';

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
  return (
    <ApiCard
      id="secure-title"
      title="Secure data"
      description={
        <>
          <code>GET /secure-data</code>, sent with the session cookie.
        </>
      }
      path="/secure-data"
      action="Load secure data"
      pending="Loading…"
      empty="Nothing loaded yet."
      testId="secure-data"
      answerLabel="Secure data answer"
      failure={failure}
    />
  );
}
