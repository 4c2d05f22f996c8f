import { redirect } from 'next/navigation';
import { AuthButtons } from '@/components/AuthButtons';
import { auth } from '@/lib/gatehouse';

export default async function Dashboard() {
  // proxy.ts already sent signed-out visitors to sign in; a page checks for itself all the same.
  const principal = await auth();
  if (!principal) redirect('/login?returnTo=/dashboard');
  const { user } = principal;
  return (
    <main>
      <h1>Dashboard</h1>
      <p>
        Hello, <span data-testid="server-user">{user.name ?? user.sub}</span> ({user.email})
      </p>
      <p>Groups: {principal.groups.join(', ') || 'none'}</p>
      <AuthButtons />
    </main>
  );
}
