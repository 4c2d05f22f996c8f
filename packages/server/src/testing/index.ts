// `@gatehouse/server/testing`: sign an app's tests in without the identity provider. Both
// helpers refuse to run with NODE_ENV=production (docs/testing.md).
export { createTestSession, type TestSession, type TestSessionOptions } from './session.js';
export { signTestToken, type TestTokenClaims } from './token.js';
