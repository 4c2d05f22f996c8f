/**
 * `@gatehouse/dev-idp`: a local OpenID provider shaped like an Okta custom authorization
 * server, for development and tests. `startDevIdp()` runs it; the testing helpers drive its
 * login and logout pages with `fetch`.
 */
export { startDevIdp, type DevIdp, type DevIdpOptions, type DevIdpTls } from './server.js';
export { demoClients, type DemoClientUrls } from './clients.js';
export { defaultUsers, type DevUser } from './users.js';
export { AUDIENCE, ISSUER_PATH } from './provider.js';
export {
  CookieJar,
  completeLogin,
  signIn,
  signOut,
  DevIdpSignInError,
  type DevCredentials,
} from './testing.js';
