/**
 * Runs in the browser (bundled by `sdkHarnessScript()`): a second `<AuthProvider>` on the
 * demo's page, so a test can call `useAuthFetch()` and an axios instance with the interceptors
 * on any path and read what the SDK's state became.
 */
import { AuthProvider, attachAuthInterceptors, useAuth, useAuthFetch } from '@gatehouse/react';
import axios from 'axios';
import { useLayoutEffect } from 'react';
import { createRoot } from 'react-dom/client';

/** What the harness exposes as `window.sdk`. */
export interface SdkHarness {
  status: string;
  errorCode: string | null;
  /** How many times the axios interceptor called `onUnauthorized`. */
  unauthorized(): number;
  /** Settles with the answer's body, `{ code, status, message }` of the error, or `{ pending }`. */
  authFetch(path: string, init?: RequestInit & { json?: unknown }): Promise<unknown>;
  axiosPost(url: string): Promise<unknown>;
}

declare global {
  interface Window {
    sdk?: SdkHarness;
  }
}

/** The body or the error's `{ code, status, message }`; `{ pending: true }` after 5 s. */
const settle = (promise: Promise<unknown>) =>
  Promise.race([
    promise.then(
      (body) => ({ body }),
      (e: { code?: string; status?: number; message?: string; response?: { status: number } }) => ({
        code: e.code,
        status: e.status ?? e.response?.status,
        message: e.message,
      }),
    ),
    new Promise((resolve) => setTimeout(() => resolve({ pending: true }), 5000)),
  ]);

const api = axios.create();
let unauthorized = 0;
attachAuthInterceptors(api, { onUnauthorized: () => unauthorized++ });

function Expose() {
  const auth = useAuth();
  const authFetch = useAuthFetch();
  useLayoutEffect(() => {
    window.sdk = {
      status: auth.status,
      errorCode: auth.error?.code ?? null,
      unauthorized: () => unauthorized,
      authFetch: (path, init) => settle(authFetch(path, init)),
      axiosPost: (url) => settle(api.post(url, { secret: 'body' })),
    };
  });
  return null;
}

const root = document.createElement('div');
document.body.append(root);
createRoot(root).render(
  // The page's own origin is the backend: the demo's same-origin topology.
  <AuthProvider baseUrl="">
    <Expose />
  </AuthProvider>,
);
