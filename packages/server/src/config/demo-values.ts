import { isLoopback } from './settings.js';

/**
 * Secrets published in this repository for the demo: the dev IdP's fixed client secrets
 * (`demoClients()` of `@gatehouse/dev-idp`), also in `npm start` and the examples' `.env.example`.
 * Anyone can read them, so a production server must not use them.
 */
const DEMO_SECRETS: ReadonlySet<string> = new Set([
  'gatehouse-demo-secret',
  'gatehouse-cli-secret',
]);

/** Whether `secret` is one of the demo's published secrets (surrounding spaces ignored). */
export function isKnownDemoSecret(secret: string | undefined): boolean {
  return secret !== undefined && DEMO_SECRETS.has(secret.trim());
}

/**
 * Whether `value` has one of the demo's published secrets in it: a SESSION_SECRET padded to 32
 * characters from one is as public as the secret itself.
 */
export function containsKnownDemoSecret(value: string): boolean {
  return [...DEMO_SECRETS].some((secret) => value.includes(secret));
}

/**
 * Whether `issuer` is on this machine's loopback (`localhost`, `127.0.0.0/8`, `[::1]`): the dev
 * IdP's, never a real provider's in production. False for what is not a URL.
 */
export function isLoopbackIssuer(issuer: string | URL | undefined): boolean {
  const url = issuer === undefined ? null : URL.parse(String(issuer).trim());
  return url !== null && isLoopback(url.hostname);
}
