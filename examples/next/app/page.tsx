import Link from 'next/link';
import { AuthButtons } from '@/components/AuthButtons';

export default function Home() {
  return (
    <main>
      <h1>Gatehouse on Next.js</h1>
      <p>A public page. The dashboard needs a sign-in.</p>
      <AuthButtons />
      <p>
        <Link href="/dashboard">Dashboard</Link>
      </p>
    </main>
  );
}
