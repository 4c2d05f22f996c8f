import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import { AUDIENCE } from './provider.js';
import { claimsForScopes, type DevUser } from './users.js';
import { userinfoProofProblem } from './userinfo-dpop.js';

/** What the userinfo endpoint needs from the running IdP (it changes on key rotation). */
export interface UserinfoContext {
  issuer: string;
  provider: Provider;
  publicJwks: { keys: JWK[] };
  usersById: ReadonlyMap<string, DevUser>;
}

class BearerError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly error: 'invalid_token' | 'insufficient_scope',
    readonly description: string,
  ) {
    super(description);
  }
}

/**
 * `/v1/userinfo` that accepts the `api://default` access token, as Okta's does. oidc-provider
 * refuses any access token with an audience at its userinfo endpoint (RFC 9068 tokens are for
 * resource servers), so this small endpoint answers instead; everything else is oidc-provider.
 */
export async function handleUserinfo(
  req: IncomingMessage,
  res: ServerResponse,
  context: UserinfoContext,
): Promise<void> {
  res.setHeader('cache-control', 'no-store');
  try {
    const { accountId, scopes } = await readAccessToken(req, context);
    if (!scopes.includes('openid')) {
      throw new BearerError(403, 'insufficient_scope', 'access token missing openid scope');
    }
    const user = accountId === undefined ? undefined : context.usersById.get(accountId);
    if (!user) throw new BearerError(401, 'invalid_token', 'access token is not for a user');
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(claimsForScopes(user, scopes)));
  } catch (error) {
    if (!(error instanceof BearerError)) throw error;
    res.statusCode = error.status;
    res.setHeader(
      'www-authenticate',
      `Bearer realm="${context.issuer}", error="${error.error}", error_description="${error.description}"`,
    );
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: error.error, error_description: error.description }));
  }
}

async function readAccessToken(
  req: IncomingMessage,
  { issuer, provider, publicJwks }: UserinfoContext,
): Promise<{ accountId: string | undefined; scopes: string[] }> {
  const match = /^(Bearer|DPoP) +([^ ]+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[2]) throw new BearerError(401, 'invalid_token', 'no access token provided');
  const token = match[2];
  // A DPoP-bound token (RFC 9449 7.1): the DPoP scheme and a proof of its key, never Bearer.
  const bound = async (jkt: unknown) => {
    if (typeof jkt !== 'string') return;
    const problem =
      match[1]!.toLowerCase() === 'dpop'
        ? await userinfoProofProblem(req, issuer, token, jkt)
        : 'DPoP-bound access token sent as Bearer';
    if (problem) throw new BearerError(401, 'invalid_token', problem);
  };

  if (token.split('.').length === 3) {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(publicJwks), {
        issuer,
        audience: AUDIENCE,
        algorithms: ['RS256'],
      });
      await bound((payload.cnf as { jkt?: unknown } | undefined)?.jkt);
      const scopes = Array.isArray(payload.scp) ? payload.scp.map(String) : [];
      return { accountId: typeof payload.uid === 'string' ? payload.uid : undefined, scopes };
    } catch (error) {
      if (error instanceof BearerError) throw error;
      throw new BearerError(401, 'invalid_token', 'access token is invalid or expired');
    }
  }

  const stored = await provider.AccessToken.find(token);
  if (!stored?.isValid) {
    throw new BearerError(401, 'invalid_token', 'access token is invalid or expired');
  }
  await bound(stored.jkt);
  return { accountId: stored.accountId, scopes: [...stored.scopes] };
}
