import { useAuth, type AuthUser } from '@gatehouse/react';
import { AdminAction } from './AdminAction.js';
import { ErrorAlert } from './ErrorAlert.js';
import { Devices } from './Devices.js';
import { OrdersCard } from './OrdersCard.js';
import { SecureData } from './SecureData.js';
import { SessionCountdown } from './SessionCountdown.js';

function initials(name: string) {
  const parts = name.trim().split(/\s+/);
  return (
    (parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')
  ).toUpperCase();
}

export function Dashboard({ user }: { user: AuthUser }) {
  const { expiresAt, error } = useAuth();
  const name = user.name ?? user.email ?? user.sub;
  return (
    <div className="stack">
      <div>
        <h1>Welcome to your application!</h1>
        <p className="muted">You are signed in with single sign-on.</p>
      </div>
      <ErrorAlert error={error} />
      <div className="grid">
        <section className="card" aria-labelledby="profile-title">
          <h2 id="profile-title" className="card-title">
            Profile
          </h2>
          <div className="profile">
            <span className="avatar" aria-hidden="true">
              {initials(name) || '?'}
            </span>
            <div className="profile-text">
              <p className="profile-name" data-testid="user-name">
                {name}
              </p>
              {user.email && (
                <p className="muted profile-email" data-testid="user-email">
                  {user.email}
                </p>
              )}
            </div>
          </div>
          <h3 className="label">Groups</h3>
          {user.groups?.length ? (
            <ul className="chips" aria-label="Groups" data-testid="user-groups">
              {user.groups.map((group) => (
                <li key={group} className="chip">
                  {group}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No groups</p>
          )}
        </section>
        <section className="card" aria-labelledby="session-title">
          <h2 id="session-title" className="card-title">
            Session
          </h2>
          <p className="label">Expires in</p>
          <SessionCountdown expiresAt={expiresAt} />
          <p className="hint">
            The session slides with activity. When it ends, this page notices and asks you to sign
            in again.
          </p>
        </section>
        <SecureData />
        <OrdersCard />
        {user.groups?.includes('admins') && <AdminAction />}
        <Devices />
      </div>
    </div>
  );
}
