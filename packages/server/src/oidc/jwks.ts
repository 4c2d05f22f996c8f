import type { Config } from '../config/parse.js';
import type { GatehouseResponse } from '../http/types.js';

/** The members a public JWK may carry: no private part (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`). */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'];

/**
 * `GET /.well-known/jwks.json` (the `jwks` route), served only with `private_key_jwt`: the public
 * half of `clientPrivateKey`, for the provider to verify Gatehouse's client assertions (register
 * its URL as the client's `jwks_uri`). Built from an allow-list of public members, so a private
 * member can never be served whatever the key object holds.
 */
export function jwksHandler(config: Config): (() => Promise<GatehouseResponse>) | undefined {
  // The shared key, and each provider's own (docs/tenants.md), once per `kid`.
  const keys = new Map(
    [config, ...config.providers]
      .flatMap((one) =>
        one.clientAuth === 'private_key_jwt' && one.clientKey ? [one.clientKey] : [],
      )
      .map((key) => [key.kid, key]),
  );
  if (keys.size === 0) return undefined;
  const publicJwks = [...keys.values()].map((key) =>
    Object.fromEntries(
      PUBLIC_MEMBERS.flatMap((name) => (key.publicJwk[name] ? [[name, key.publicJwk[name]]] : [])),
    ),
  );
  const body = JSON.stringify({ keys: publicJwks });
  return async function jwks() {
    return {
      status: 200,
      // Short caching: a rotated key reaches the provider within minutes.
      headers: {
        'content-type': 'application/jwk-set+json',
        'cache-control': 'public, max-age=300',
      },
      body,
    };
  };
}
