import { perProvider, type ProviderContext } from '../provider/providers.js';
import { ProviderKeys } from './keys.js';
import { BearerVerifier } from './verifier.js';

/** A provider's JWKS and the verifier of its Bearer tokens, made once per provider. */
export const bearerOf: (provider: ProviderContext) => {
  keys: ProviderKeys;
  verifier: BearerVerifier;
} = perProvider((provider) => {
  const keys = new ProviderKeys(provider.discovery, provider.config);
  return { keys, verifier: new BearerVerifier(provider.config, provider.discovery, keys) };
});
