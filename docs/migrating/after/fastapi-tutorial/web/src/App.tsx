import { attachAuthInterceptors, useAuth } from '@gatehouse/react';
import { useEffect, useState } from 'react';
import axiosInstance from './axiosInstance.js';

export default function App() {
  const { status, user, error, signIn, signOut, refresh } = useAuth();
  const [secureData, setSecureData] = useState<string>();

  // The backend's 401 signs the app out (was: localStorage.removeItem + window.location.reload).
  useEffect(() => attachAuthInterceptors(axiosInstance, { onUnauthorized: refresh }), [refresh]);

  if (status === 'loading') return <div>Authenticating...</div>;
  if (status !== 'signed-in') {
    return (
      <div>
        {error && <div role="alert">{error.message}</div>}
        <button onClick={() => signIn({ popup: true })}>Sign in</button>
      </div>
    );
  }

  const loadSecureData = async () => {
    const { data } = await axiosInstance.get<{ message: string }>('/secure-data');
    setSecureData(data.message);
  };

  return (
    <div>
      <p>Welcome to your application, {user.name}!</p>
      <button onClick={() => void loadSecureData()}>Load secure data</button>
      {secureData && <p>{secureData}</p>}
      <button onClick={() => void signOut()}>Sign out</button>
    </div>
  );
}
