import { redirect } from 'next/navigation';
import { auth } from '@/lib/gatehouse';

export default async function Dashboard() {
  const principal = await auth(); // was: const session = await auth()
  if (!principal) redirect('/login?returnTo=/dashboard');
  return (
    <p>
      Hello, {principal.user.name} ({principal.groups.join(', ') || 'no groups'})
    </p>
  );
}
