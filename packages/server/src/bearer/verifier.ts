import { hash } from 'node:crypto';
import type { Config } from '../config/parse.js';
import { AccessTokenInvalidError } from '../errors.js';
import type { BearerPrincipal } from '../guard/authenticate.js';
import type { Provider } from '../oidc/provider.js';
import { TokenCache } from './cache.js';
import { introspectAccessToken } from './introspect.js';
import { verifyJwtAccessToken, type JwtChecks } from './jwt.js';
import { INVALID_TOKEN, ProviderKeys, type KeySource } from './keys.js';
import { bearerPrincipal } from './principal.js';

/** RFC 6750 2.1: `Bearer 1*SP b64token`. */
const BEARER_TOKEN = /^bearer +([\w~+/.-]+=*) *$/i;
/** JWS compact serialization: three base64url parts, a signature required. */
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Turns an `Authorization: Bearer` header into a caller. A JWT is verified locally against the
 * issuer's JWKS; a token without a dot is opaque and introspected at the provider. Both results
 * are cached by SHA-256 of the header until the token's `exp`, so a repeated token costs a hash
 * and a map lookup; concurrent requests with one new token share one verification.
 */
export class BearerVerifier {
  readonly #cache: TokenCache<BearerPrincipal>;
  readonly #pending = new Map<string, Promise<BearerPrincipal>>();
  readonly #checks: JwtChecks;

  constructor(
    private readonly config: Config,
    private readonly provider: Provider,
    private readonly keys: KeySource = new ProviderKeys(provider, config),
  ) {
    this.#cache = new TokenCache(config.accessTokenCacheSize);
    this.#checks = Object.freeze({
      audience: config.audience,
      algorithms: config.accessTokenAlgorithms,
      clockTolerance: config.clockTolerance,
    });
  }

  /** The caller, or a 401 (bad token), 503/504 (provider down or slow) {@link GatehouseError}. */
  verify(authorization: string): Promise<BearerPrincipal> {
    const key = hash('sha256', authorization, 'base64url');
    const cached = this.#cache.get(key);
    if (cached) return Promise.resolve(cached);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#verify(authorization)
        .then((principal) => {
          this.#cache.set(key, principal);
          return principal;
        })
        .finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #verify(authorization: string): Promise<BearerPrincipal> {
    const token = BEARER_TOKEN.exec(authorization)?.[1];
    if (token === undefined)
      throw new AccessTokenInvalidError(INVALID_TOKEN, 'malformed Authorization header');
    let claims;
    if (JWS_COMPACT.test(token)) {
      claims = await verifyJwtAccessToken(token, await this.keys.load(), this.#checks);
    } else if (!token.includes('.')) {
      claims = await introspectAccessToken(
        await this.provider.configuration(),
        token,
        this.#checks,
      );
    } else {
      throw new AccessTokenInvalidError(
        INVALID_TOKEN,
        `not a JWS: ${token.split('.').length} parts`,
      );
    }
    return bearerPrincipal(token, claims, this.config.allowedClientIds);
  }
}
