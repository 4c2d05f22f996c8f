// The session-store contract lives at the ground (src/session-store.ts) so that config/ and
// principal.ts can name it without importing the session layer; kept here for existing imports.
export * from '../session-store.js';
