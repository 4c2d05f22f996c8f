import type { ReactNode } from 'react';
import { AuthProvider } from '@gatehouse/react';
import { auth } from '@/lib/gatehouse';

export const metadata = { title: 'Gatehouse on Next.js' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The user the server renders for: the first render in the browser needs no GET /me.
  const principal = await auth();
  return (
    <html lang="en">
      <body>
        <AuthProvider baseUrl="" initialUser={principal?.user ?? null}>
          {children}
        </AuthProvider>
      </body>
    </html>
  );
}
