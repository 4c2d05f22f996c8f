// Types for `import.meta.env`, which only Vite (and Vitest) define; the code reads it guarded.
// Kept in a .d.ts so the package's published types do not change the app's globals. The shapes
// match `vite/client`, so the two declarations merge where both are loaded.
interface ImportMetaEnv {
  readonly VITE_BASE_REST_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
