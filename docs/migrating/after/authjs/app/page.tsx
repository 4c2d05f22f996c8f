import { AuthButtons } from '@/components/AuthButtons';

export default function Home() {
  return (
    <main>
      <h1>Home</h1>
      <AuthButtons />
    </main>
  );
}
