import { errors, jwtVerify, type JWTPayload } from 'jose';
import { AccessTokenExpiredError, AccessTokenInvalidError } from '../errors.js';
import { INVALID_TOKEN, type IssuerKeys } from './keys.js';

/** What a Bearer JWT is checked against, beyond its issuer's keys. */
export interface JwtChecks {
  readonly audience: string;
  readonly algorithms: readonly string[];
  /** Seconds. */
  readonly clockTolerance: number;
}

/** Claims only an ID token carries: one of them means an ID token replayed as an access token. */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash'] as const;

/** No `typ`, `JWT`, or RFC 9068's `at+jwt`; anything else (`logout+jwt`, ...) is another token. */
const ACCESS_TOKEN_TYP = /^(?:application\/)?(?:at\+)?jwt$/i;

/**
 * Verifies a Bearer JWT: an allowed asymmetric `alg` (checked before any key lookup), a key of
 * the issuer's JWKS, `iss` exactly the issuer's, `aud` the configured audience, `exp` required,
 * `exp`/`nbf` within the clock tolerance, and not an ID token.
 */
export async function verifyJwtAccessToken(
  token: string,
  keys: IssuerKeys,
  checks: JwtChecks,
): Promise<JWTPayload> {
  let verified;
  try {
    verified = await jwtVerify(token, keys.getKey, {
      issuer: keys.issuer,
      audience: checks.audience,
      algorithms: checks.algorithms as string[],
      clockTolerance: checks.clockTolerance,
      requiredClaims: ['exp', 'sub'],
    });
  } catch (error) {
    throw jwtError(error);
  }
  const { payload, protectedHeader } = verified;
  if (protectedHeader.typ !== undefined && !ACCESS_TOKEN_TYP.test(protectedHeader.typ)) {
    throw new AccessTokenInvalidError(INVALID_TOKEN, `typ ${protectedHeader.typ}`);
  }
  for (const claim of ID_TOKEN_CLAIMS) {
    if (payload[claim] !== undefined) {
      throw new AccessTokenInvalidError(INVALID_TOKEN, `"${claim}" claim: an ID token`);
    }
  }
  return payload;
}

function jwtError(error: unknown): unknown {
  if (!(error instanceof errors.JOSEError)) return error;
  const { code, message } = error;
  const detail = `${code}: ${message}`;
  if (code === 'ERR_JWT_EXPIRED') {
    return new AccessTokenExpiredError('The access token has expired.', detail);
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return new AccessTokenExpiredError('The access token is not valid yet.', detail);
  }
  return new AccessTokenInvalidError(INVALID_TOKEN, detail);
}
