import { decodeJwt } from 'jose';
import { AccessTokenInvalidError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';
import type { BearerPrincipal } from '../principal.js';
import type { ProviderContext, Providers } from '../provider/providers.js';
import { INVALID_TOKEN } from './keys.js';
import { bearerOf } from './provider-bearer.js';

/** RFC 6750 2.1: `Bearer 1*SP b64token`. */
const BEARER_TOKEN = /^bearer +([\w~+/.-]+=*) *$/i;

/** The request header that names the provider of an opaque token (docs/tenants.md). */
export const PROVIDER_HEADER = 'gatehouse-provider';

/** The provider a Bearer caller names with `Gatehouse-Provider`, if it names one. */
export function namedProvider(request: GatehouseRequest): string | undefined {
  const value = request.headers[PROVIDER_HEADER];
  return typeof value === 'string' ? value.trim() : undefined;
}

/**
 * Bearer tokens with several providers (docs/tenants.md): a JWT goes to the verifier of the
 * provider its `iss` names, which checks it with that provider's keys and audience only, so a
 * token is never accepted across providers; an `iss` of no provider is a 401. An opaque token
 * has no `iss` to read: the caller names its provider with `Gatehouse-Provider`, and only that
 * provider introspects it, at its own endpoint with its own client credentials. Without the
 * header it is refused, never sent to a provider that did not issue it. A header that names
 * another provider than a JWT's `iss` is refused too.
 */
export class IssuerVerifiers {
  readonly #named = new WeakMap<BearerPrincipal, BearerPrincipal>();

  constructor(private readonly providers: Providers) {}

  async verify(authorization: string, named?: string): Promise<BearerPrincipal> {
    const token = BEARER_TOKEN.exec(authorization)?.[1];
    const first = this.providers.default;
    if (token === undefined) return this.#as(first, authorization);
    if (!token.includes('.')) return this.#as(this.#namedFor(named), authorization);
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      issuer = undefined;
    }
    // Read unverified only to pick the provider; its verifier checks `iss` and the signature.
    const provider = typeof issuer === 'string' ? this.providers.byIssuer(issuer) : undefined;
    if (named !== undefined && provider && named !== provider.id) {
      throw new AccessTokenInvalidError(
        INVALID_TOKEN,
        `Gatehouse-Provider ${named}, the token's iss is ${provider.id}'s`,
      );
    }
    // No provider of that `iss`: the first provider's verifier refuses it (401, issuer), unless
    // it is a token of the test key (`trustTestTokens`), which that verifier alone knows.
    return this.#as(provider ?? first, authorization);
  }

  /** The provider an opaque token's caller named: configured, or resolved and still kept. */
  #namedFor(named: string | undefined): ProviderContext {
    if (named === undefined || named === '') {
      throw new AccessTokenInvalidError(
        'This access token does not say which provider issued it: send Gatehouse-Provider: <id> with it.',
        'opaque token, several providers, no Gatehouse-Provider header',
      );
    }
    const provider = this.providers.kept(named);
    if (!provider) {
      throw new AccessTokenInvalidError(INVALID_TOKEN, `Gatehouse-Provider ${named} is unknown`);
    }
    return provider;
  }

  /** The provider's verifier's caller, naming its provider (`provider`, `user.iss`). */
  async #as(provider: ProviderContext, authorization: string): Promise<BearerPrincipal> {
    const principal = await bearerOf(provider).verifier.verify(authorization);
    const known = this.#named.get(principal);
    if (known) return known;
    const configuration = await provider.discovery.configuration().catch(() => undefined);
    const iss =
      typeof principal.claims.iss === 'string'
        ? principal.claims.iss
        : (configuration?.serverMetadata().issuer ?? provider.settings.issuer.href);
    const named = Object.freeze({
      ...principal,
      provider: provider.id,
      user: Object.freeze({ ...principal.user, iss }),
    });
    this.#named.set(principal, named);
    return named;
  }
}
