import type { ReactNode } from 'react';
import { AuthProvider } from '@gatehouse/react';
import { auth } from '@/lib/gatehouse';

// was: <SessionProvider session={await auth()}>
export default async function RootLayout({ children }: { children: ReactNode }) {
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
