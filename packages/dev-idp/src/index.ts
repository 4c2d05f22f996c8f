/**
 * `@gatehouse/dev-idp`: a local OpenID provider shaped like an Okta custom authorization
 * server, for development and tests. `startDevIdp()` runs it (on loopback, outside production,
 * unless told `unsafeAllowRemote`); the testing helpers drive its login and logout pages with
 * `fetch`.
 */
export { startDevIdp, type DevIdp, type DevIdpOptions, type DevIdpTls } from './server.js';
export { demoClients, withGeneratedSecrets, type DemoClientUrls } from './clients.js';
export { defaultUsers, withGeneratedPasswords, type DevUser } from './users.js';
export { acmeUsers, type DevIdpTenant, type DevIdpTenantInfo } from './tenants.js';
export { DevIdpUnsafeError, UNSAFE_ALLOW_REMOTE_ENV } from './exposure.js';
export { DevIdpConfigError, readDevIdpConfig, type DevIdpConfig } from './config-file.js';
export { AUDIENCE, ISSUER_PATH } from './provider.js';
export {
  CookieJar,
  completeLogin,
  signIn,
  signOut,
  DevIdpSignInError,
  type DevCredentials,
} from './testing.js';
