import type { AuthError } from '@gatehouse/react';

const TITLES: Record<string, string> = {
  access_denied: 'Access denied',
  popup_blocked: 'Pop-up blocked',
  popup_closed: 'Sign-in window closed',
  provider_unavailable: 'Sign-in service unavailable',
  session_expired: 'Session expired',
  network_error: 'Cannot reach the server',
  server_error: 'Something went wrong',
  timeout: 'No answer',
};

/** The one way errors are shown: an alert region, announced by screen readers. */
export function ErrorAlert({ error, title }: { error: AuthError | null; title?: string }) {
  if (!error) return null;
  return (
    <div className="alert" role="alert" data-code={error.code}>
      <svg className="alert-icon" viewBox="0 0 20 20" aria-hidden="true">
        <path d="M10 2.5 1.5 17.5h17L10 2.5Z" />
        <path d="M10 8v4.5m0 2.5v.01" />
      </svg>
      <div>
        <p className="alert-title">{title ?? TITLES[error.code] ?? 'Sign-in failed'}</p>
        <p className="alert-message">{error.message}</p>
      </div>
    </div>
  );
}
