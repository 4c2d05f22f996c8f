import { hash } from 'node:crypto';
import type { Config } from '../config/parse.js';
import {
  AccessTokenInvalidError,
  AuthenticationRequiredError,
  DPoPNonceRequiredError,
  GatehouseError,
} from '../errors.js';
import { readTarget } from '../http/target.js';
import type { GatehouseRequest } from '../http/types.js';
import type { BearerPrincipal } from '../principal.js';
import { DPoPNonces } from './dpop-nonce.js';
import { DPOP_ALGORITHMS, invalid, normalizeHtu, verifyDPoPProof } from './dpop-proof.js';
import { namedProvider } from './issuers.js';
import { INVALID_TOKEN } from './keys.js';
import type { BearerVerifier } from './verifier.js';

/** Records a one-time id until `expiresAt` (epoch seconds); false when already seen. */
export type ClaimOnce = (id: string, expiresAt: number) => Promise<boolean>;

/** Seconds a proof's `iat` may lie in the past or the future, beyond the clock tolerance. */
export const DPOP_PROOF_WINDOW = 60;

/** RFC 9449 7.1's `algs` parameter: the proof algorithms accepted, in every DPoP challenge. */
const ALGS = `algs="${DPOP_ALGORITHMS.join(' ')}"`;

/**
 * The refusal of a request that brought no credentials at all. With ACCESS_TOKEN_DPOP
 * `required` it carries RFC 9449 7.1's DPoP challenge alone: a client learns to come back with
 * a DPoP-bound token and a proof, not with a Bearer token that would be refused anyway.
 */
export function credentialsRequired(config: Config): () => AuthenticationRequiredError {
  const challenge =
    config.accessTokenDpop === 'required' ? { 'www-authenticate': `DPoP ${ALGS}` } : undefined;
  return () => {
    const refused = new AuthenticationRequiredError('Sign in to access this resource.');
    return challenge ? withHeaders(refused, challenge) : refused;
  };
}

/** RFC 9449 7.1: `DPoP 1*SP token68`. */
const DPOP_TOKEN = /^dpop +([\w~+/.-]+=*) *$/i;
const DPOP_SCHEME = /^dpop(?: |$)/i;

/**
 * The access-token guard: `Authorization: Bearer` (unless ACCESS_TOKEN_DPOP is `required`, and
 * never for a DPoP-bound token) or `Authorization: DPoP` with its `DPoP` proof (RFC 9449 4.3 and
 * 7). The token's verification is the {@link BearerVerifier}'s, cached; the proof is checked on
 * every request, its `jti` claimed once in the session store so a proof is never accepted twice,
 * on any instance. Refusals carry RFC 9449's `WWW-Authenticate: DPoP` challenge.
 */
export function accessTokenGuard(
  config: Config,
  verifier: Pick<BearerVerifier, 'verify'>,
  claimOnce: ClaimOnce,
) {
  const bearerAccepted = config.accessTokenDpop !== 'required';
  const nonces = config.accessTokenDpopNonce ? new DPoPNonces(config.keys.dpopNonce) : undefined;
  const window = DPOP_PROOF_WINDOW + config.clockTolerance;
  const bearerChallenge = bearerAccepted ? ', Bearer realm="gatehouse"' : '';
  /** The failure with RFC 9449 7.1's challenge (and Bearer's, while Bearer is accepted). */
  const challenged = (error: unknown, extra: Record<string, string> = {}): unknown => {
    if (!(error instanceof GatehouseError) || error.status >= 500 || error.headers) return error;
    const challenge = `DPoP error="${error.error}", ${ALGS}${bearerChallenge}`;
    return withHeaders(error, { 'www-authenticate': challenge, ...extra });
  };

  const bearerRefused = () =>
    challenged(
      new AccessTokenInvalidError(INVALID_TOKEN, 'Bearer token, ACCESS_TOKEN_DPOP is required'),
    );
  /** A stolen DPoP-bound token must not work without its key: RFC 9449 7.1. */
  const unlessBound = (principal: BearerPrincipal): BearerPrincipal => {
    if (boundKey(principal) === undefined) return principal;
    const refused = new AccessTokenInvalidError(INVALID_TOKEN, 'DPoP-bound token sent as Bearer');
    throw withHeaders(refused, {
      'www-authenticate': `Bearer realm="gatehouse", error="invalid_token", DPoP ${ALGS}`,
    });
  };

  async function dpop(request: GatehouseRequest, authorization: string): Promise<BearerPrincipal> {
    const token = DPOP_TOKEN.exec(authorization)?.[1];
    if (token === undefined) {
      throw new AccessTokenInvalidError(INVALID_TOKEN, 'malformed DPoP Authorization header');
    }
    const proof = await verifyDPoPProof(request.headers.dpop);
    if (proof.htm !== (request.method ?? 'GET')) throw invalid(`htm ${proof.htm}`);
    const path = requestPath(request);
    const expectedHtu = path === undefined ? undefined : normalizeHtu(config.backendOrigin + path);
    if (expectedHtu === undefined || normalizeHtu(proof.htu) !== expectedHtu) {
      throw invalid('htu is not this request’s URL');
    }
    const now = Date.now() / 1000;
    if (Math.abs(now - proof.iat) > window) throw invalid(`iat ${Math.round(proof.iat - now)}s`);
    if (nonces && !nonces.accepts(proof.nonce)) {
      const error = new DPoPNonceRequiredError(
        'Retry with a DPoP proof that carries the nonce in DPoP-Nonce.',
        proof.nonce === undefined ? 'no nonce' : 'stale nonce',
      );
      throw challenged(error, { 'dpop-nonce': nonces.current() });
    }
    const principal = await verifier.verify(`Bearer ${token}`, namedProvider(request));
    const jkt = boundKey(principal);
    if (jkt === undefined) {
      throw new AccessTokenInvalidError(INVALID_TOKEN, 'DPoP scheme, token without cnf.jkt');
    }
    if (proof.ath !== hash('sha256', token, 'base64url')) throw invalid('ath is not the token’s');
    // The proof's key must be the one the token is bound to (RFC 9449 6.1).
    if (proof.jkt !== jkt) {
      throw new AccessTokenInvalidError(INVALID_TOKEN, 'proof key is not the token’s cnf.jkt');
    }
    // Last, so that only an otherwise valid proof takes a store write: a replay stops here.
    const id = `dpop:${hash('sha256', `${jkt}\0${proof.jti}`, 'base64url')}`;
    if (!(await claimOnce(id, Math.ceil(proof.iat + window) + 1))) throw invalid('jti replayed');
    return principal;
  }

  /** The caller of an `Authorization: Bearer` or `Authorization: DPoP` request. */
  return function verifyAccessToken(
    request: GatehouseRequest,
    authorization: string,
  ): Promise<BearerPrincipal> {
    if (DPOP_SCHEME.test(authorization)) {
      return dpop(request, authorization).catch((error: unknown) => {
        throw challenged(error);
      });
    }
    if (!bearerAccepted) return Promise.reject(bearerRefused());
    return verifier.verify(authorization, namedProvider(request)).then(unlessBound);
  };
}

/** The token's `cnf.jkt`, the thumbprint of the key it is bound to (RFC 9449 6.1). */
function boundKey(principal: BearerPrincipal): string | undefined {
  const cnf = principal.claims.cnf as { jkt?: unknown } | undefined;
  return typeof cnf?.jkt === 'string' ? cnf.jkt : undefined;
}

/** The request's path as the client sent it (Express's `originalUrl` when mounted). */
function requestPath(request: GatehouseRequest): string | undefined {
  const url = (request as { originalUrl?: unknown }).originalUrl;
  return readTarget(typeof url === 'string' ? url : request.url)?.path;
}

/** A copy of `error` (same class, code and words) whose response also carries `headers`. */
function withHeaders<E extends GatehouseError>(error: E, headers: Record<string, string>): E {
  const copy = Object.create(Object.getPrototypeOf(error), Object.getOwnPropertyDescriptors(error));
  Object.defineProperty(copy, 'headers', { value: Object.freeze(headers), enumerable: true });
  return copy as E;
}
