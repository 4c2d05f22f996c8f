import type { UpstreamAnswer } from './upstream.js';
import type { ApiCredential } from './tokens.js';

/**
 * `Authorization: DPoP <token>` and a fresh proof for this method and URL, signed by the
 * session's key: `htm`, `htu` (origin and path), a new `jti`, `ath` of the token and the API's
 * nonce when it gave one (RFC 9449 4.2, 7.1). openid-client's handle signs it.
 */
export async function proofHeaders(
  { token, signer }: ApiCredential,
  method: string,
  url: URL,
): Promise<{ authorization: string; dpop: string }> {
  const headers = new Headers();
  await signer!.addProof(url, headers, method, token);
  return { authorization: `DPoP ${token}`, dpop: headers.get('dpop')! };
}

/** Keeps a `DPoP-Nonce` the API sent (with any answer, RFC 9449 9) for the next proofs to it. */
export function learnNonce(
  { signer }: ApiCredential,
  url: URL,
  answer: Pick<UpstreamAnswer, 'statusCode' | 'headers'>,
): void {
  const nonce = answer.headers['dpop-nonce'];
  if (signer && typeof nonce === 'string') {
    signer.cacheNonce({ headers: new Headers({ 'dpop-nonce': nonce }) }, url);
  }
}

const USE_NONCE = /(?:^|[\s,])DPoP\s[^]*\berror\s*=\s*"?use_dpop_nonce\b/i;

/**
 * Whether the API refused the proof for want of its nonce: a 401 with a `DPoP-Nonce` and the
 * challenge `WWW-Authenticate: DPoP error="use_dpop_nonce"` (RFC 9449 9).
 */
export function askedForNonce(
  { signer }: ApiCredential,
  answer: Pick<UpstreamAnswer, 'statusCode' | 'headers'>,
): boolean {
  if (!signer || answer.statusCode !== 401 || answer.headers['dpop-nonce'] === undefined) {
    return false;
  }
  return USE_NONCE.test(String(answer.headers['www-authenticate'] ?? ''));
}

/**
 * The headers an app sends to call an API itself with a session's token: `Authorization: Bearer`,
 * or for a DPoP-bound token `Authorization: DPoP` and a fresh proof for `method` and `url`;
 * `nonce`: the `DPoP-Nonce` the API answered, for the one retry it asks for.
 */
export async function credentialHeaders(
  credential: ApiCredential,
  method: string,
  url: URL,
  nonce?: string,
): Promise<{ authorization: string; dpop?: string }> {
  if (!credential.signer) return { authorization: `Bearer ${credential.token}` };
  if (nonce) credential.signer.cacheNonce({ headers: new Headers({ 'dpop-nonce': nonce }) }, url);
  return proofHeaders(credential, method.toUpperCase(), url);
}
