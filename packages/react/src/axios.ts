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
  defaults: { baseURL?: string };
  getUri(config?: AxiosConfigLike): string;
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
  url?: string;
  baseURL?: string;
}

/**
 * Makes an existing axios instance (the seed's `axiosInstance`) talk to the backend the BFF way:
 * it sends the session cookie (`withCredentials`) and `X-CSRF: 1` on every request to the
 * backend, and calls `onUnauthorized` on the backend's 401 before the error reaches the caller.
 * The backend is `baseUrl`, else the instance's `baseURL`, else the page's origin; a request
 * to any other origin is left as it is (no cookie, no `X-CSRF`, its 401 ignored). Pass
 * `useAuth().refresh` to turn the state to `signed-out` (with `session_expired`). Returns a
 * function that removes both interceptors.
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
  options: { onUnauthorized?: () => unknown; baseUrl?: string } = {},
): () => void {
  const { request, response } = instance.interceptors;
  // The instance carries the app's requests to other hosts too: those get nothing of the
  // session, and their 401 says nothing about it. axios's own getUri() says where one goes.
  const toBackend = (config?: AxiosConfigLike) => {
    const page = globalThis.location?.href;
    const backend = new URL(options.baseUrl ?? instance.defaults.baseURL ?? '', page).origin;
    return !!config && new URL(instance.getUri(config), page).origin === backend;
  };
  const requestId = request.use((config) => {
    if (!toBackend(config)) return config;
    config.withCredentials = true;
    const headers = (config.headers ??= {}) as Record<string, unknown> & {
      set?: (name: string, value: string) => void;
    };
    if (typeof headers.set === 'function') headers.set('X-CSRF', '1');
    else headers['X-CSRF'] = '1';
    return config;
  });
  const responseId = response.use(null, (error) => {
    const { config, response: answer } = (error ?? {}) as {
      config?: AxiosConfigLike;
      response?: { status?: number };
    };
    if (answer?.status === 401 && toBackend(config)) void options.onUnauthorized?.();
    return Promise.reject(error);
  });
  return () => {
    request.eject(requestId);
    response.eject(responseId);
  };
}
