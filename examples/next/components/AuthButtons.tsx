'use client';

import { useAuth } from '@gatehouse/react';

/** Sign in or out, from whatever state the provider is in. */
export function AuthButtons() {
  const { status, user, signIn, signOut } = useAuth();
  if (status === 'loading') return <p>Authenticating...</p>;
  if (status === 'signed-in') {
    return (
      <p>
        Signed in as <span data-testid="client-user">{user?.email ?? user?.sub}</span>{' '}
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </p>
    );
  }
  return (
    <button type="button" onClick={() => signIn({ returnTo: '/dashboard' })}>
      Sign in
    </button>
  );
}
