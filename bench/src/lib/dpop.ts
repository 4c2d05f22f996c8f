// The DPoP phase's credentials: one DPoP-bound access token from the dev IdP, and what the load
// process needs to sign a fresh proof for every request (load.mjs makes them before its run).
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import * as client from 'openid-client';
import type { LoadResult } from './report.js';

/** What load.mjs needs to send `Authorization: DPoP <token>` with a new proof each time. */
export interface DpopLoad {
  token: string;
  /** The proof key, private (ES256), whose thumbprint is the token's `cnf.jkt`. */
  privateJwk: JWK;
  /** The URL as the backend sees it (BACKEND_URL + path): the proofs' `htu`. */
  htu: string;
  /** Proofs to sign before the run: each is accepted once, so at least one per request. */
  proofs: number;
}

/**
 * A DPoP-bound token of the dev IdP's `gatehouse-cli` client, and one real request with it to
 * each of `urls` (openid-client makes the proofs) to check that the server there accepts it.
 * Each phase adds the `htu` its proofs carry.
 */
export async function dpopCredentials(
  issuer: string,
  urls: string[],
): Promise<Omit<DpopLoad, 'htu'>> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const configuration = await client.discovery(
    new URL(issuer),
    'gatehouse-cli',
    'gatehouse-cli-secret',
    undefined,
    { execute: [client.allowInsecureRequests] },
  );
  const DPoP = client.getDPoPHandle(configuration, { privateKey, publicKey });
  const tokens = await client.clientCredentialsGrant(configuration, { scope: 'api' }, { DPoP });
  if (tokens.token_type.toLowerCase() !== 'dpop') {
    throw new Error(`the dev IdP issued a ${tokens.token_type} token, not a DPoP-bound one`);
  }
  for (const url of urls) {
    const response = await client.fetchProtectedResource(
      configuration,
      tokens.access_token,
      new URL(url),
      'GET',
      null,
      undefined,
      { DPoP },
    );
    const body = (await response.json()) as { via?: string };
    if (response.status !== 200 || body.via !== 'bearer') {
      throw new Error(
        `${url} answered ${response.status} ${JSON.stringify(body)} to a DPoP request`,
      );
    }
  }
  return { token: tokens.access_token, privateJwk: await exportJWK(privateKey), proofs: 0 };
}

/** Proofs enough for one run (warm-up and measured), with room. */
export function proofsForRun(
  own: LoadResult[],
  bearer: LoadResult[],
  settings: { warmup: number; duration: number },
): number {
  // Twice the best rate this phase reached (rounds vary by a third on a shared machine), or
  // the repeated Bearer token's, which a DPoP request cannot beat, before its first round.
  const rate = own.length
    ? 2 * Math.max(...own.map((result) => result.rps))
    : (bearer.at(-1)?.rps ?? 10_000);
  return Math.ceil(rate * (settings.warmup + settings.duration)) + 1_000;
}
