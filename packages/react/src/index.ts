'use client';

export { AuthProvider, useAuth, useAuthFetch } from './AuthProvider.js';
export type { AuthProviderProps } from './AuthProvider.js';
export { createAuthFetch, AuthFetchError } from './fetch.js';
export type { AuthFetch, AuthFetchInit, AuthFetchOptions, StepUp } from './fetch.js';
export { attachAuthInterceptors } from './axios.js';
export type { AxiosLike, AxiosConfigLike } from './axios.js';
export type {
  AuthContextValue,
  AuthError,
  AuthErrorCode,
  AuthState,
  AuthStatus,
  AuthUser,
  SignInOptions,
} from './types.js';
