import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/parse.js';
import {
  AccessTokenInvalidError,
  ProviderResponseError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  type GatehouseError,
} from '../errors.js';
import { providerError } from '../provider/provider-errors.js';
import type { Discovery } from '../provider/discovery.js';

/** The issuer's exact identifier and a key lookup over its JWKS. */
export interface IssuerKeys {
  readonly issuer: string;
  readonly getKey: JWTVerifyGetKey;
}

/** Where Bearer JWT keys come from; {@link ProviderKeys} in production. */
export interface KeySource {
  load(): Promise<IssuerKeys>;
}

/** Header parameters that carry or point to a key: RFC 8725 3.10, keys come from the JWKS only. */
const KEY_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/** The public description of every refused token: which check failed goes to the log only. */
export const INVALID_TOKEN = 'The access token is invalid.';

/**
 * The signing keys of the configured issuer, from the `jwks_uri` of its discovery document
 * (jose's remote JWKS: cached, refetched on an unknown `kid` at most once per cooldown, fetched
 * with the configured timeout). Built on first use, so the server starts while the provider is
 * down.
 */
export class ProviderKeys implements KeySource {
  #loaded: IssuerKeys | undefined;

  constructor(
    private readonly provider: Discovery,
    private readonly config: Config,
  ) {}

  async load(): Promise<IssuerKeys> {
    if (this.#loaded) return this.#loaded;
    const metadata = (await this.provider.configuration()).serverMetadata();
    if (!metadata.jwks_uri) {
      throw new ProviderResponseError(
        'The identity provider publishes no signing keys.',
        'discovery: no jwks_uri',
      );
    }
    const remote = createRemoteJWKSet(new URL(metadata.jwks_uri), {
      timeoutDuration: Math.round(this.config.httpTimeout * 1000),
      cooldownDuration: Math.round(this.config.jwksCooldown * 1000),
    });
    this.#loaded ??= {
      issuer: metadata.issuer,
      getKey: async function issuerKey(header, token) {
        for (const name of KEY_HEADERS) {
          if (header[name] !== undefined) {
            throw new AccessTokenInvalidError(INVALID_TOKEN, `"${name}" header refused`);
          }
        }
        try {
          return await remote(header, token);
        } catch (error) {
          throw keyError(error);
        }
      },
    };
    return this.#loaded;
  }
}

function keyError(error: unknown): GatehouseError {
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new AccessTokenInvalidError(INVALID_TOKEN, `jwks: ${code}`);
    case 'ERR_JWKS_TIMEOUT':
      return new ProviderTimeoutError(
        'The identity provider did not answer in time. Try again in a moment.',
        'jwks: timeout',
      );
    case 'ERR_JWKS_INVALID':
      return new ProviderResponseError(
        'The identity provider published invalid signing keys.',
        `jwks: ${message}`,
      );
    case 'ERR_JOSE_GENERIC':
      return new ProviderUnavailableError(
        'The identity provider is unreachable right now. Try again in a moment.',
        `jwks: ${message}`,
      );
  }
  return providerError(error, 'jwks');
}
