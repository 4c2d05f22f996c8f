import { setBounded } from '../bounded-map.js';
import {
  calculateJwkThumbprint,
  EmbeddedJWK,
  errors,
  jwtVerify,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
} from 'jose';
import { DPoPProofInvalidError } from '../errors.js';

/**
 * JWS algorithms accepted on DPoP proofs: asymmetric only, so a proof is never signed with a
 * shared secret or `none` (RFC 9449 4.3 check 5). Also the `algs` of the challenge.
 */
export const DPOP_ALGORITHMS: readonly string[] = Object.freeze([
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
]);

/** Far longer than a proof with a 4096-bit RSA key: anything bigger is not worth parsing. */
const MAX_PROOF_LENGTH = 8192;
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The public description of every refused proof: which check failed goes to the log only. */
export const INVALID_PROOF = 'The DPoP proof is invalid.';

/** A proof whose signature, `typ`, key and claims' types have been checked. */
export interface DPoPProof {
  /** The SHA-256 thumbprint of the proof's key (RFC 7638), to compare with `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
  readonly htm: string;
  readonly htu: string;
  readonly iat: number;
  readonly ath: unknown;
  readonly nonce: unknown;
}

/**
 * Verifies the `DPoP` header's proof (RFC 9449 4.3 checks 1 to 6): one compact JWS, `typ`
 * `dpop+jwt`, an asymmetric `alg`, signed by the public key in its `jwk` header, with string
 * `jti`, `htm`, `htu` and a numeric `iat`. What it must match (request, time, token) is
 * checked by the caller.
 */
export async function verifyDPoPProof(header: string | string[] | undefined): Promise<DPoPProof> {
  if (header === undefined || header === '') throw invalid('no DPoP header');
  // Node joins repeated headers with ", ": two proofs are one invalid value.
  if (typeof header !== 'string' || !JWS_COMPACT.test(header)) throw invalid('not one JWS');
  if (header.length > MAX_PROOF_LENGTH) throw invalid(`${header.length} characters`);
  let payload: JWTPayload;
  let jkt: string;
  try {
    const verified = await jwtVerify(header, embeddedKey, {
      typ: 'dpop+jwt',
      algorithms: DPOP_ALGORITHMS as string[],
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
    });
    payload = verified.payload;
    const { protectedHeader } = verified;
    jkt = await (embeddedKeys.get(keyId(protectedHeader))?.jkt ??
      calculateJwkThumbprint(protectedHeader.jwk!, 'sha256'));
  } catch (error) {
    // The key comes from the proof itself: whatever WebCrypto makes of it is the caller's fault.
    if (error instanceof errors.JOSEError) throw invalid(`${error.code}: ${error.message}`);
    throw invalid(`embedded key refused: ${String(error)}`);
  }
  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== 'string' || typeof htm !== 'string' || typeof htu !== 'string') {
    throw invalid('jti, htm or htu not a string');
  }
  if (jti.length > 256) throw invalid(`jti of ${jti.length} characters`);
  return { jkt, jti, htm, htu, iat: iat!, ath: payload.ath, nonce: payload.nonce };
}

/** Keys imported from proofs, with their thumbprints: a client signs many proofs with one key. */
const embeddedKeys = new Map<string, { key: Promise<CryptoKey>; jkt: Promise<string> }>();
const MAX_EMBEDDED_KEYS = 1000;
const keyId = (header: JWSHeaderParameters) => `${header.alg} ${JSON.stringify(header.jwk)}`;

/**
 * jose's {@link EmbeddedJWK} (a public key of the `alg`, `use` `sig` if any), remembered:
 * importing the key and hashing its thumbprint cost more than verifying the signature.
 */
function embeddedKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
  const id = keyId(header);
  const known = embeddedKeys.get(id);
  if (known) return known.key;
  const key = EmbeddedJWK(header, token);
  const entry = { key, jkt: key.then(() => calculateJwkThumbprint(header.jwk!, 'sha256')) };
  // A refused key is not remembered; when full, the oldest goes.
  entry.jkt.catch(() => embeddedKeys.delete(id));
  setBounded(embeddedKeys, id, entry, MAX_EMBEDDED_KEYS);
  return key;
}

/**
 * An `htu` or request URL in the form RFC 9449 4.3 compares (RFC 3986 6.2.2 and 6.2.3): scheme
 * and host in lower case, no default port, dot segments resolved, percent-encoding in upper
 * case with unreserved characters decoded, no query or fragment. Undefined if not http(s).
 */
export function normalizeHtu(url: string): string | undefined {
  const parsed = URL.parse(url);
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return undefined;
  const path = parsed.pathname.replace(/%[\da-f]{2}/gi, (escape) => {
    const char = String.fromCharCode(parseInt(escape.slice(1), 16));
    return /^[\w.~-]$/.test(char) ? char : escape.toUpperCase();
  });
  return parsed.origin + path;
}

export function invalid(detail: string): DPoPProofInvalidError {
  return new DPoPProofInvalidError(INVALID_PROOF, detail);
}
