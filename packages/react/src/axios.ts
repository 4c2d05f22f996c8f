/**
 * The part of an axios instance {@link attachAuthInterceptors} uses, typed here so that the
 * package neither imports axios nor needs its types.
 *
 * @example
 * ```ts
 * const api: AxiosLike = axios.create({ baseURL: import.meta.env.VITE_BASE_REST_URL });
 * ```
 */
export interface AxiosLike {
  interceptors: {
    request: {
      use(onFulfilled: <C extends AxiosConfigLike>(config: C) => C): number;
      eject(id: number): void;
    };
    response: {
      use(onFulfilled: null, onRejected: (error: unknown) => unknown): number;
      eject(id: number): void;
    };
  };
}

/**
 * The part of an axios request config the interceptor changes.
 *
 * @example
 * ```ts
 * const config: AxiosConfigLike = { headers: {}, withCredentials: true };
 * ```
 */
export interface AxiosConfigLike {
  headers?: unknown;
  withCredentials?: boolean;
}

/**
 * Makes an existing axios instance (the seed's `axiosInstance`) talk to the backend the BFF way:
 * it sends the session cookie (`withCredentials`) and `X-CSRF: 1` on every request, and calls
 * `onUnauthorized` on a 401 before the error reaches the caller. Pass `useAuth().refresh` to
 * turn the state to `signed-out` (with `session_expired`). Returns a function that removes
 * both interceptors.
 *
 * @example
 * ```tsx
 * const api = axios.create({ baseURL: import.meta.env.VITE_BASE_REST_URL, timeout: 10_000 });
 *
 * function App() {
 *   const { refresh } = useAuth();
 *   useEffect(() => attachAuthInterceptors(api, { onUnauthorized: refresh }), [refresh]);
 *   // ...
 * }
 * ```
 */
export function attachAuthInterceptors(
  instance: AxiosLike,
  options: { onUnauthorized?: () => unknown } = {},
): () => void {
  const { request, response } = instance.interceptors;
  const requestId = request.use((config) => {
    config.withCredentials = true;
    const headers = (config.headers ??= {}) as Record<string, unknown> & {
      set?: (name: string, value: string) => void;
    };
    if (typeof headers.set === 'function') headers.set('X-CSRF', '1');
    else headers['X-CSRF'] = '1';
    return config;
  });
  const responseId = response.use(null, (error) => {
    if ((error as { response?: { status?: number } } | null)?.response?.status === 401) {
      void options.onUnauthorized?.();
    }
    return Promise.reject(error);
  });
  return () => {
    request.eject(requestId);
    response.eject(responseId);
  };
}
