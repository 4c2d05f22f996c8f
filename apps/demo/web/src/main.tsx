import { AuthProvider } from '@gatehouse/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './styles.css';

// AuthProvider reads VITE_BASE_REST_URL (web/.env.development, web/.env.production) itself.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* VITE_SILENT_SIGN_IN=on: a user still signed in at the provider comes back without a click. */}
    <AuthProvider silent={import.meta.env.VITE_SILENT_SIGN_IN === 'on'}>
      <App />
    </AuthProvider>
  </StrictMode>,
);
