import { ConfigError } from '../errors.js';
import { flag, seconds, whole, type Setting } from './setting-kit.js';

export type IntrospectionMode = 'auto' | 'on' | 'off';
export type DPoPMode = 'allowed' | 'required';

/**
 * JWS algorithms accepted on Bearer JWTs: asymmetric only, so no key can be a shared secret
 * or "none" (RFC 8725 3.1).
 */
const ALGORITHMS: readonly string[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** The rows of the settings table (settings.ts) for Bearer access tokens: the guard's checks. */
export const BEARER_SETTINGS = {
  /** Accept Bearer tokens of these `cid`s only; empty accepts every client of the issuer. */
  allowedClientIds: {
    env: 'OKTA_ALLOWED_CLIENT_IDS',
    read: 'list',
    default: Object.freeze([]) as readonly string[],
    parse: (value: string[] | undefined): readonly string[] => Object.freeze([...(value ?? [])]),
  },
  /**
   * JWS algorithms accepted on Bearer JWTs: asymmetric only, so no key can be a shared secret
   * or "none" (RFC 8725 3.1).
   */
  accessTokenAlgorithms: {
    env: 'ACCESS_TOKEN_ALGORITHMS',
    read: 'list',
    default: ALGORITHMS,
    parse(value: string[] | undefined, label: string): readonly string[] {
      if (value === undefined) return ALGORITHMS;
      const refused = value.filter((alg) => !ALGORITHMS.includes(alg));
      if (value.length === 0 || refused.length > 0) {
        throw new ConfigError(
          `${label} must list asymmetric JWS algorithms from ${ALGORITHMS.join(', ')}, got ${value.join(', ') || 'none'}`,
        );
      }
      return Object.freeze([...value]);
    },
  },
  /**
   * Verified Bearer tokens (and introspection results) remembered, each until its `exp`; 0
   * turns the cache off.
   */
  accessTokenCacheSize: whole('ACCESS_TOKEN_CACHE_SIZE', 10_000, 0),
  /** Shortest time between two JWKS fetches caused by an unknown `kid`, in seconds. */
  jwksCooldown: seconds('JWKS_COOLDOWN', 30, 0),
  /**
   * What to do with an opaque Bearer token (one without dots). `off` refuses it with 401
   * without calling the provider: an Okta custom authorization server issues JWT access tokens,
   * which are verified locally, so an opaque token there is a guess that must not cost a
   * client-authenticated provider call. `on` introspects it (RFC 7662), rate-limited; a provider
   * without an `introspection_endpoint` is then a setup error (502). `auto` introspects when
   * discovery advertises an `introspection_endpoint`, else refuses (Okta advertises one, so
   * `auto` introspects there).
   */
  accessTokenIntrospection: {
    env: 'ACCESS_TOKEN_INTROSPECTION',
    read: 'mode',
    default: 'off' as IntrospectionMode,
    parse(value: IntrospectionMode | undefined, label: string): IntrospectionMode {
      if (value === undefined) return 'off';
      const mode = (['auto', 'on', 'off'] as const).find((candidate) => candidate === value);
      if (!mode) throw new ConfigError(`${label} must be auto, on or off, got ${value}`);
      return mode;
    },
  },
  /**
   * DPoP-bound access tokens (RFC 9449, docs/dpop.md). `allowed`: `Authorization: DPoP` with a
   * `DPoP` proof is accepted beside Bearer, and a DPoP-bound token (`cnf.jkt`) sent as Bearer is
   * refused. `required`: every access token must come with a proof; Bearer tokens are refused.
   */
  accessTokenDpop: {
    env: 'ACCESS_TOKEN_DPOP',
    read: 'mode',
    default: 'allowed' as DPoPMode,
    parse(value: DPoPMode | undefined, label: string): DPoPMode {
      if (value === undefined) return 'allowed';
      const mode = (['allowed', 'required'] as const).find((candidate) => candidate === value);
      if (!mode) throw new ConfigError(`${label} must be allowed or required, got ${value}`);
      return mode;
    },
  },
  /**
   * DPoP proofs must carry a nonce this backend issued (RFC 9449 9): a proof without it is
   * answered 401 `use_dpop_nonce` with a `DPoP-Nonce` header. Nonces change every 5 minutes
   * and are derived from SESSION_SECRET, so every instance accepts them without shared state.
   */
  accessTokenDpopNonce: flag('ACCESS_TOKEN_DPOP_NONCE'),
  /**
   * Introspection calls per second at most, per instance (bursts up to one second's worth);
   * beyond it an opaque token is answered 503 with `Retry-After`.
   */
  introspectionRateLimit: {
    env: 'INTROSPECTION_RATE_LIMIT',
    read: 'number',
    default: 10,
    parse(value: number | undefined, label: string): number {
      const rate = value ?? 10;
      if (!Number.isFinite(rate) || rate <= 0) {
        throw new ConfigError(
          `${label} must be a number of calls per second > 0 (turn introspection off instead), got ${value}`,
        );
      }
      return rate;
    },
  },
  /**
   * Introspection calls in flight at once at most, per instance; beyond it an opaque token is
   * answered 503 with `Retry-After`, never kept waiting.
   */
  introspectionConcurrency: whole('INTROSPECTION_CONCURRENCY', 4, 1),
} satisfies Record<string, Setting>;
