import type { GatehouseRequest } from '../http/types.js';
import type { Principal } from '../principal.js';
import type { Rule } from './rules.js';

/** What `gatehouse.authorize` takes besides the request and the rules. */
export interface AuthorizeOptions {
  /**
   * The caller an earlier guard of this request already found (`req.auth`): checked against
   * the rules without authenticating again. `null` or absent: authenticate.
   */
  principal?: Principal | null;
}

/**
 * The guard of an app route, the one every adapter's `requireAuth` runs: authenticate (unless
 * the caller is already known), then every rule in order; the first refusal rejects.
 */
export function authorizer(authenticate: (request: GatehouseRequest) => Promise<Principal>) {
  return async function authorize(
    request: GatehouseRequest,
    rules: readonly Rule[] = [],
    { principal }: AuthorizeOptions = {},
  ): Promise<Principal> {
    const caller = principal ?? (await authenticate(request));
    for (const rule of rules) rule(caller);
    return caller;
  };
}
