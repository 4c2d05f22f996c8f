import * as client from 'openid-client';
import { AccessTokenExpiredError, AccessTokenInvalidError } from '../errors.js';
import { callProvider } from '../provider/provider-errors.js';
import { INVALID_TOKEN } from './keys.js';

/** What an introspected token is checked against. */
export interface IntrospectionChecks {
  readonly audience: string;
  /** Seconds. */
  readonly clockTolerance: number;
}

/**
 * Asks the provider about an opaque access token (RFC 7662, authenticated as our client), then
 * checks the answer as a JWT would be: active, an access token (a refresh token is active too),
 * our issuer, our audience, within `exp`/`nbf` and the clock tolerance. Unbounded by itself:
 * the verifier calls it through its `IntrospectionLimiter`, and only when
 * `accessTokenIntrospection` allows.
 */
export async function introspectAccessToken(
  configuration: client.Configuration,
  token: string,
  checks: IntrospectionChecks,
): Promise<client.IntrospectionResponse> {
  const metadata = configuration.serverMetadata();
  if (!metadata.introspection_endpoint) {
    throw new AccessTokenInvalidError(INVALID_TOKEN, 'opaque token, no introspection_endpoint');
  }
  // Measured on `gatehouse:provider-call` (step `introspection`); failures become 503/504/502.
  const result = await callProvider('introspection', () =>
    client.tokenIntrospection(configuration, token, { token_type_hint: 'access_token' }),
  );
  const refuse = (why: string) =>
    new AccessTokenInvalidError(INVALID_TOKEN, `introspection: ${why}`);
  if (result.active !== true) throw refuse('inactive');
  if (result.token_type !== undefined && result.token_type.toLowerCase() !== 'bearer') {
    throw refuse(`token_type ${result.token_type}`);
  }
  if (result.iss !== undefined && result.iss !== metadata.issuer) throw refuse('iss');
  const { aud } = result;
  if (!(aud === checks.audience || (Array.isArray(aud) && aud.includes(checks.audience)))) {
    throw refuse('aud');
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof result.exp === 'number' && result.exp + checks.clockTolerance <= now) {
    throw new AccessTokenExpiredError('The access token has expired.', 'introspection: exp');
  }
  if (typeof result.nbf === 'number' && result.nbf - checks.clockTolerance > now) {
    throw new AccessTokenExpiredError('The access token is not valid yet.', 'introspection: nbf');
  }
  return result;
}
