import { setBounded } from '../bounded-map.js';
import * as client from 'openid-client';
import { DPoPRefusedError } from '../errors.js';
import type { DPoPPrivateJwk } from './crypto.js';

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * What a DPoP handle of openid-client (oauth4webapi's `DPoPHandler`) does besides the typed
 * `calculateThumbprint`: sign a proof for any method and URL, and learn a server's nonce. The
 * token endpoint and userinfo calls use them inside openid-client; the proxy needs them for an
 * upstream it calls with its own streaming client, so proofs are never built by hand here.
 */
export interface DPoPSigner extends client.DPoPHandle {
  /** Sets the `dpop` header: `htm`, `htu` (origin and path), a new `jti`, `ath` of the token, the origin's nonce. */
  addProof(url: URL, headers: Headers, htm: string, accessToken?: string): Promise<void>;
  /** Keeps the `DPoP-Nonce` of a response for the next proofs to its origin. */
  cacheNonce(response: { headers: Headers }, url: URL): void;
}

/** A new ES256 key for one session, as the JWK sealed with its tokens. */
export async function newDPoPKey(): Promise<DPoPPrivateJwk> {
  const pair = await client.randomDPoPKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y, d } = await crypto.subtle.exportKey('jwk', pair.privateKey);
  if (kty !== 'EC' || crv !== 'P-256' || !x || !y || !d) throw new Error('DPoP key export failed');
  return { kty, crv, x, y, d };
}

/**
 * The DPoP handles of sessions' keys in this process. A handle keeps the nonces servers gave it
 * (RFC 9449 8), so a session's next call sends the current one instead of paying a
 * `use_dpop_nonce` round trip; the least recently used handle goes beyond `max`. The private key
 * inside a handle is not extractable: only the sealed JWK can be exported, and never is.
 */
export class DPoPKeys {
  readonly #handles = new Map<string, Promise<DPoPSigner>>();

  constructor(private readonly max = 1000) {}

  /** The handle signing with `jwk` (made once per key and process). */
  handle(configuration: client.Configuration, jwk: DPoPPrivateJwk): Promise<DPoPSigner> {
    const id = `${jwk.x}.${jwk.y}`;
    let handle = this.#handles.get(id);
    if (handle) {
      this.#handles.delete(id);
    } else {
      handle = signerOf(configuration, jwk);
      handle.catch(() => this.#handles.delete(id));
    }
    setBounded(this.#handles, id, handle, this.max);
    return handle;
  }
}

const REFUSED =
  'The identity provider did not accept this application’s proof of possession (DPoP).';
const DPOP_ERRORS = new Set(['invalid_dpop_proof', 'use_dpop_nonce']);

/**
 * Runs a token endpoint call made with a DPoP proof (openid-client has already retried it once
 * with the provider's nonce): a refused proof is a {@link DPoPRefusedError}, not a grant error.
 */
export async function withProof<T>(
  step: string,
  handle: client.DPoPHandle | undefined,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (handle && error instanceof client.ResponseBodyError && DPOP_ERRORS.has(error.error)) {
      throw new DPoPRefusedError(
        REFUSED,
        `${step}: ${error.error} ${error.error_description ?? ''}`,
      );
    }
    throw error;
  }
}

/**
 * The session's own tokens, sent for with a proof, must come back DPoP-bound: `DPOP=on` promised
 * sender-constrained tokens, and a provider that ignores the proof must not quietly downgrade it.
 */
export function requireBound(
  step: string,
  handle: client.DPoPHandle | undefined,
  tokens: { token_type: string },
): void {
  if (handle && tokens.token_type !== 'dpop') {
    throw new DPoPRefusedError(
      'The identity provider issued tokens that are not bound to this application’s key (DPoP). Turn DPoP on for this application at the provider, or set DPOP=off.',
      `${step}: token_type ${tokens.token_type}, not DPoP`,
    );
  }
}

async function signerOf(
  configuration: client.Configuration,
  { kty, crv, x, y, d }: DPoPPrivateJwk,
): Promise<DPoPSigner> {
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, P256, false, ['sign']),
    crypto.subtle.importKey('jwk', { kty, crv, x, y }, P256, true, ['verify']),
  ]);
  const handle = client.getDPoPHandle(configuration, { privateKey, publicKey });
  const signer = handle as Partial<DPoPSigner>;
  if (typeof signer.addProof !== 'function' || typeof signer.cacheNonce !== 'function') {
    throw new Error('openid-client DPoP handle without addProof/cacheNonce: check its version');
  }
  return handle as DPoPSigner;
}
