/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The backend's URL; empty when the backend serves this app from its own origin. */
  readonly VITE_BASE_REST_URL?: string;
  /** `on`: try a silent sign-in (prompt=none) once on load when signed out. */
  readonly VITE_SILENT_SIGN_IN?: string;
}
