import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** An access token from the dev IdP's token endpoint (client credentials), as a CLI gets it. */
export async function clientCredentialsToken(
  issuer: string,
  clientId: string,
  clientSecret: string,
): Promise<string> {
  const response = await fetch(`${issuer}/v1/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`token endpoint answered ${response.status}`);
  return body.access_token;
}

const decode = (part: string) =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * `count` distinct access tokens shaped exactly like `model` (same header, same claims, a new
 * `jti` and `iat`), each RS256-signed with the dev IdP's own signing key from its keys file:
 * the verifier cannot tell them from tokens the IdP issued, and minting them costs one RSA
 * signature each instead of a round trip to the token endpoint.
 */
export function cloneTokens(model: string, keysFile: string, count: number): string[] {
  const [headerPart, payloadPart] = model.split('.') as [string, string];
  const header = decode(headerPart);
  const payload = decode(payloadPart);
  const { keys } = JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: Array<{ kid: string }> };
  const jwk = keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error(`no key ${String(header.kid)} in ${keysFile}`);
  const privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const lifetime = Number(payload.exp) - Number(payload.iat);
  const now = Math.floor(Date.now() / 1000);
  const encodedHeader = encode(header);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const input = `${encodedHeader}.${encode({ ...payload, jti: randomUUID(), iat: now, exp: now + lifetime })}`;
    tokens.push(`${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`);
  }
  return tokens;
}
