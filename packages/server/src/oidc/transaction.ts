import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Config } from '../config/parse.js';
import { defaults } from '../config/defaults.js';
import { readCookie, serializeCookie } from '../session/cookie.js';
import type { GatehouseRequest } from '../http/types.js';

/** One unfinished sign-in: what the callback must check, kept encrypted in the browser. */
export interface Transaction {
  state: string;
  nonce: string;
  code_verifier: string;
  /** A path on the front end that started the sign-in. */
  returnTo: string;
  /** That front end's origin: where the sign-in returns and the popup posts (absent: the first). */
  frontend?: string;
  popup: boolean;
  /** The provider it was started at (absent: `default`): only its answer completes it. */
  provider?: string;
  /** `acr_values` asked for: the ID token's `acr` must be one of them. */
  acr?: string[];
  /** `max_age` asked for: the ID token must carry an `auth_time` within it. */
  maxAge?: number;
  /** `prompt=none`: a provider's "sign-in needed" answer means signed out, not an error. */
  silent?: boolean;
  /** Epoch seconds after which the callback refuses it. */
  exp: number;
}

/**
 * Unfinished sign-ins live in one encrypted, HttpOnly cookie (JWE, dir + A256GCM, key from
 * SESSION_SECRET), not on the server: a flood of /login keeps no server state, and the cookie
 * holds at most `maxTransactions` entries so it never grows past a header limit.
 */
export class Transactions {
  constructor(private readonly config: Config) {}

  async read(request: GatehouseRequest): Promise<Transaction[]> {
    const value = readCookie(request.headers.cookie, this.config.transactionCookie);
    if (!value || value.length > 8192) return [];
    // A sign-in started before a SESSION_SECRET rotation still completes.
    for (const key of this.config.keys.transaction) {
      try {
        const { payload } = await jwtDecrypt(value, key, {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        const now = Date.now() / 1000;
        const list = Array.isArray(payload.tx) ? (payload.tx as Transaction[]) : [];
        return list.filter((tx) => typeof tx?.state === 'string' && tx.exp > now);
      } catch {
        // sealed under another secret, altered or malformed: try the next key
      }
    }
    return [];
  }

  /** The Set-Cookie header that stores `list` (or deletes the cookie when it is empty). */
  async cookie(list: Transaction[]): Promise<string> {
    const name = this.config.transactionCookie;
    const secure = this.config.secureCookies;
    if (list.length === 0) return serializeCookie(name, '', { maxAge: 0, secure });
    const kept = list.slice(0, defaults.maxTransactions);
    const value = await new EncryptJWT({ tx: kept })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.config.keys.transaction[0]!);
    return serializeCookie(name, value, { maxAge: defaults.transactionTtl, secure });
  }
}
