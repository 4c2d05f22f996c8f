import { useAuth } from '@gatehouse/react';

export function Header() {
  const { status, user, signOut } = useAuth();
  return (
    <header className="header">
      <div className="header-inner">
        <a className="brand" href="/">
          <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="8" />
            <path d="M9 27V13a7 7 0 0 1 14 0v14" />
            <path d="M16 17v5" />
          </svg>
          <span>Gatehouse demo</span>
        </a>
        {status === 'signed-in' && (
          <div className="header-user">
            <span className="header-name">{user.name ?? user.email ?? user.sub}</span>
            <button type="button" className="btn btn-ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </div>
    </header>
  );
}
