import { SignJWT } from 'jose';
import type { Gatehouse } from '../gatehouse.js';
import { ConfigError } from '../errors.js';
import {
  TEST_KEY_ALGORITHM,
  TEST_KEY_ID,
  testIssuer,
  testKeyPair,
  trustsTestTokens,
} from '../bearer/test-key.js';
import { testInternals } from './refuse.js';

/** The claims of a test access token: `sub` at least; `scp` or `scope`, `groups`, any other. */
export type TestTokenClaims = { sub: string } & Record<string, unknown>;

/**
 * Signs a Bearer access token that this Gatehouse accepts, for an app's API tests: `iss` the
 * configured issuer, `aud` the audience, `cid` the client (the first of `allowedClientIds` when
 * set), valid for `expiresIn` seconds (default 3600); `claims` add to or replace these. Only a
 * Gatehouse created with `trustTestTokens: true` (`TRUST_TEST_TOKENS=true`) outside production
 * accepts it; any other refuses it as it refuses any unknown key (401 `invalid_token`).
 * Refused with NODE_ENV=production, and on a Gatehouse that does not trust test tokens.
 *
 * @example
 * ```ts
 * const token = await signTestToken(gatehouse, { sub: 'ci-bot', scp: ['orders:read'] })
 * await fetch(`${baseUrl}/api/orders`, { headers: { authorization: `Bearer ${token}` } })
 * ```
 */
export async function signTestToken(
  gatehouse: Gatehouse,
  claims: TestTokenClaims,
  { expiresIn = 3600 }: { expiresIn?: number } = {},
): Promise<string> {
  testInternals(gatehouse, 'signTestToken');
  const { config } = gatehouse;
  if (!trustsTestTokens(config)) {
    throw new ConfigError(
      'signTestToken: this Gatehouse does not trust test tokens; create it with trustTestTokens: true (TRUST_TEST_TOKENS=true) in the tests',
    );
  }
  if (typeof claims?.sub !== 'string' || claims.sub === '') {
    throw new TypeError('signTestToken: claims.sub must be a non-empty string');
  }
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: testIssuer(config),
    aud: config.audience,
    cid: config.allowedClientIds[0] ?? config.clientId,
    iat: now,
    exp: now + expiresIn,
    ...claims,
  })
    .setProtectedHeader({ alg: TEST_KEY_ALGORITHM, kid: TEST_KEY_ID, typ: 'at+jwt' })
    .sign(testKeyPair(config).privateKey);
}
