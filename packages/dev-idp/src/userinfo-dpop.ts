import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';

/** Proofs older or newer than this many seconds are refused (RFC 9449 11.1). */
const WINDOW = 60;

/**
 * Checks the `DPoP` proof of a userinfo request made with a DPoP-bound access token (RFC 9449
 * 7.1), as Okta's userinfo does: a `dpop+jwt` signed by the key in its header (jose), for this
 * method and URL, recent, with `ath` of the token and a key whose thumbprint is the token's
 * `cnf.jkt`. The dev IdP's userinfo asks for no nonce; its token endpoint does when `dpopNonce`.
 * Resolves to a reason to refuse, or undefined.
 */
export async function userinfoProofProblem(
  req: IncomingMessage,
  issuer: string,
  token: string,
  jkt: string,
): Promise<string | undefined> {
  const proof = req.headers.dpop;
  if (typeof proof !== 'string') return 'DPoP proof missing';
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA', 'Ed25519'],
    });
    const path = (req.url ?? '').split('?', 1)[0];
    const expected = new URL(path ?? '', new URL(issuer).origin).href;
    const ath = createHash('sha256').update(token).digest('base64url');
    const now = Math.floor(Date.now() / 1000);
    if (payload.htm !== req.method) return 'DPoP proof htm mismatch';
    if (typeof payload.htu !== 'string' || payload.htu.split(/[?#]/)[0] !== expected) {
      return 'DPoP proof htu mismatch';
    }
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > WINDOW) {
      return 'DPoP proof iat is not recent enough';
    }
    if (typeof payload.jti !== 'string' || !payload.jti) return 'DPoP proof without jti';
    if (payload.ath !== ath) return 'DPoP proof ath mismatch';
    if ((await calculateJwkThumbprint(protectedHeader.jwk!)) !== jkt) {
      return 'DPoP proof key is not the one the token is bound to';
    }
    return undefined;
  } catch {
    return 'DPoP proof invalid';
  }
}
