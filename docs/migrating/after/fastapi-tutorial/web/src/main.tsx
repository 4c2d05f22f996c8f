import { AuthProvider } from '@gatehouse/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App.js';

localStorage.removeItem('access_token'); // the tutorial's token, left from before

// AuthProvider asks the backend (VITE_BASE_REST_URL) GET /me: who is signed in, if anyone.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AuthProvider>
      <App />
    </AuthProvider>
  </StrictMode>,
);
