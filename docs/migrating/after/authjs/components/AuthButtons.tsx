'use client';

// was: useSession() and signIn('okta') / signOut() from next-auth/react
import { useAuth } from '@gatehouse/react';

export function AuthButtons() {
  const { status, user, signIn, signOut } = useAuth();
  if (status === 'loading') return <p>Loading...</p>;
  if (status !== 'signed-in') {
    return (
      <button type="button" onClick={() => signIn({ returnTo: '/dashboard' })}>
        Sign in
      </button>
    );
  }
  return (
    <p>
      Signed in as {user.email ?? user.sub}{' '}
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </p>
  );
}
