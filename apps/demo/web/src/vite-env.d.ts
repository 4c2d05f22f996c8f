/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The backend's URL; empty when the backend serves this app from its own origin. */
  readonly VITE_BASE_REST_URL?: string;
}
