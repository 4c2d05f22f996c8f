import { hash } from 'node:crypto';
import { defaults } from '../config/defaults.js';
import type { Config } from '../config/parse.js';
import { AccessTokenInvalidError, GatehouseError, ProviderResponseError } from '../errors.js';
import type { BearerPrincipal } from '../principal.js';
import type { Discovery } from '../provider/discovery.js';
import { TokenCache } from './cache.js';
import { introspectAccessToken } from './introspect.js';
import { IntrospectionLimiter } from './introspection-limit.js';
import { verifyJwtAccessToken, type JwtChecks } from './jwt.js';
import { INVALID_TOKEN, ProviderKeys, type IssuerKeys, type KeySource } from './keys.js';
import { bearerPrincipal } from './principal.js';
import { namesTestKey, TEST_KEY_ALGORITHM, testIssuerKeys } from './test-key.js';

/** RFC 6750 2.1: `Bearer 1*SP b64token`. */
const BEARER_TOKEN = /^bearer +([\w~+/.-]+=*) *$/i;
/** JWS compact serialization: three base64url parts, a signature required. */
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Turns an `Authorization: Bearer` header into a caller. A JWT is verified locally against the
 * issuer's JWKS; a token without a dot is opaque: refused, or introspected at the provider as
 * `accessTokenIntrospection` says, within the {@link IntrospectionLimiter}'s rate and
 * concurrency, a refusal remembered briefly. Accepted callers are cached by SHA-256 of the
 * header until the token's `exp`, so a repeated token costs a hash and a map lookup;
 * concurrent requests with one new token share one verification.
 */
export class BearerVerifier {
  readonly #cache: TokenCache<BearerPrincipal>;
  readonly #pending = new Map<string, Promise<BearerPrincipal>>();
  readonly #checks: JwtChecks;
  readonly #introspection: IntrospectionLimiter;
  /** `trustTestTokens` outside production: the key of `signTestToken`, for an app's tests. */
  readonly #testKeys: IssuerKeys | undefined;

  constructor(
    private readonly config: Config,
    private readonly provider: Discovery,
    private readonly keys: KeySource = new ProviderKeys(provider, config),
  ) {
    this.#cache = new TokenCache(config.accessTokenCacheSize);
    this.#checks = Object.freeze({
      audience: config.audience,
      algorithms: config.accessTokenAlgorithms,
      clockTolerance: config.clockTolerance,
    });
    this.#introspection = new IntrospectionLimiter({
      rate: config.introspectionRateLimit,
      concurrency: config.introspectionConcurrency,
      negativeTtl: defaults.introspectionNegativeTtl,
      negativeCacheSize: defaults.introspectionNegativeCacheSize,
    });
    this.#testKeys = testIssuerKeys(config);
  }

  /**
   * The caller, or a 401 (bad token), 503/504 (provider down or slow, or too many opaque tokens
   * to introspect) {@link GatehouseError}. `_named`: the `Gatehouse-Provider` header, which only
   * several providers read (bearer/issuers.ts): this verifier is one provider's.
   */
  verify(authorization: string, _named?: string): Promise<BearerPrincipal> {
    const key = hash('sha256', authorization, 'base64url');
    const cached = this.#cache.get(key);
    if (cached) return Promise.resolve(cached);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#verify(authorization, key)
        .then((principal) => {
          this.#cache.set(key, principal);
          return principal;
        })
        .finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #verify(authorization: string, key: string): Promise<BearerPrincipal> {
    const token = BEARER_TOKEN.exec(authorization)?.[1];
    if (token === undefined)
      throw new AccessTokenInvalidError(INVALID_TOKEN, 'malformed Authorization header');
    if (JWS_COMPACT.test(token)) {
      // A token naming the test key is checked against it alone, never the provider's keys.
      const claims =
        this.#testKeys && namesTestKey(token)
          ? await verifyJwtAccessToken(token, this.#testKeys, {
              ...this.#checks,
              algorithms: [TEST_KEY_ALGORITHM],
            })
          : await verifyJwtAccessToken(token, await this.keys.load(), this.#checks);
      return bearerPrincipal(token, claims, this.config.allowedClientIds);
    }
    if (!token.includes('.')) return this.#introspect(token, key);
    throw new AccessTokenInvalidError(INVALID_TOKEN, `not a JWS: ${token.split('.').length} parts`);
  }

  /** An opaque token: refused at once unless introspection is allowed, then bounded. */
  async #introspect(token: string, key: string): Promise<BearerPrincipal> {
    const mode = this.config.accessTokenIntrospection;
    if (mode === 'off') {
      throw new AccessTokenInvalidError(
        INVALID_TOKEN,
        'opaque token, ACCESS_TOKEN_INTROSPECTION is off',
      );
    }
    const refused = this.#introspection.refused(key);
    if (refused) throw refused;
    const configuration = await this.provider.configuration();
    if (!configuration.serverMetadata().introspection_endpoint) {
      if (mode === 'auto') {
        throw new AccessTokenInvalidError(INVALID_TOKEN, 'opaque token, no introspection_endpoint');
      }
      throw new ProviderResponseError(
        'The identity provider cannot check this access token.',
        'ACCESS_TOKEN_INTROSPECTION is on, but discovery advertises no introspection_endpoint',
      );
    }
    try {
      const claims = await this.#introspection.run(() =>
        introspectAccessToken(configuration, token, this.#checks),
      );
      return bearerPrincipal(token, claims, this.config.allowedClientIds);
    } catch (error) {
      // Refused by the provider's answer (not an outage, not busy): answer it from memory.
      if (error instanceof GatehouseError && error.status === 401) {
        this.#introspection.remember(key, error);
      }
      throw error;
    }
  }
}
