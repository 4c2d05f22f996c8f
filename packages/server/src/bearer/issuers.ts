import { decodeJwt } from 'jose';
import type { BearerPrincipal } from '../principal.js';
import type { Providers } from '../provider/providers.js';
import { bearerOf } from './provider-bearer.js';

/** RFC 6750 2.1: `Bearer 1*SP b64token`. */
const BEARER_TOKEN = /^bearer +([\w~+/.-]+=*) *$/i;

/**
 * Bearer tokens with several providers (docs/tenants.md): a JWT goes to the verifier of the
 * provider its `iss` names, which checks it with that provider's keys and audience only, so a
 * token is never accepted across providers; an `iss` of no provider is a 401. An opaque token
 * (no `iss` to read) is introspected at the first provider.
 */
export class IssuerVerifiers {
  constructor(private readonly providers: Providers) {}

  async verify(authorization: string): Promise<BearerPrincipal> {
    const token = BEARER_TOKEN.exec(authorization)?.[1];
    const first = this.providers.default;
    if (token === undefined || !token.includes('.')) {
      return this.#as(first.id, bearerOf(first).verifier.verify(authorization));
    }
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      issuer = undefined;
    }
    // Read unverified only to pick the provider; its verifier checks `iss` and the signature.
    const provider = typeof issuer === 'string' ? this.providers.byIssuer(issuer) : undefined;
    // No provider of that `iss`: the first provider's verifier refuses it (401, issuer), unless
    // it is a token of the test key (`trustTestTokens`), which that verifier alone knows.
    const at = provider ?? first;
    return this.#as(at.id, bearerOf(at).verifier.verify(authorization));
  }

  async #as(provider: string, verified: Promise<BearerPrincipal>): Promise<BearerPrincipal> {
    const principal = await verified;
    return principal.provider === provider ? principal : Object.freeze({ ...principal, provider });
  }
}
