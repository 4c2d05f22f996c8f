import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { calculateJwkThumbprint, decodeJwt, EmbeddedJWK, jwtVerify } from 'jose';
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import { openWithAny, sessionKeyOf, type SessionTokens } from '../../src/session/crypto.js';
import type { SessionStore } from '@gatehouse/server';
import type { Stack } from '../support/stack.js';

/** The session a jar's cookie names: its store key, record and opened tokens. */
export async function sessionOf(stack: Stack, jar: CookieJar = stack.jar) {
  const id = /gatehouse=([\w-]{43})/.exec(jar.header(stack.backend.url) ?? '')?.[1];
  if (!id) throw new Error('no session cookie in the jar');
  const key = sessionKeyOf(id)!;
  const record = await stack.store.get(key);
  if (!record) throw new Error('no session in the store');
  const opened = openWithAny(
    record.tokens,
    stack.backend.gatehouse.config.keys.tokens,
    key,
    record.tokenKey,
  )!;
  return { id, key, record, tokens: opened.tokens };
}

/** The stack's store for another instance: the same sessions, left open when it closes. */
export function sharedStore(stack: Stack): SessionStore {
  return new Proxy(stack.store, {
    get: (target, name) =>
      name === 'close'
        ? async () => {}
        : (Reflect.get(target, name, target) as (...args: unknown[]) => unknown)?.bind?.(target),
  });
}

/** The RFC 7638 thumbprint of a session's DPoP key (its public members). */
export function thumbprintOf(tokens: SessionTokens): Promise<string> {
  const { kty, crv, x, y } = tokens.dpop!;
  return calculateJwkThumbprint({ kty, crv, x, y });
}

/** The `cnf.jkt` an access token is bound to (undefined for a Bearer token). */
export function jktOf(accessToken: string): string | undefined {
  return (decodeJwt(accessToken).cnf as { jkt?: string } | undefined)?.jkt;
}

/** Makes the session's access token expired, so the next request refreshes it. */
export async function expireAccessToken(stack: Stack, jar: CookieJar = stack.jar): Promise<void> {
  const { key, record } = await sessionOf(stack, jar);
  await stack.store.update(key, { ...record, accessTokenExpiresAt: 1 });
}

/**
 * What a resource server checks of a request with a DPoP-bound token (RFC 9449 7.1), with jose:
 * the `DPoP` scheme, a `dpop+jwt` signed by the key in its header, for this method and URL, `ath`
 * of the token, and a key whose thumbprint is the token's `cnf.jkt`. Returns the proof's claims.
 */
export async function verifyProof(
  headers: IncomingHttpHeaders,
  method: string,
  url: string,
): Promise<Record<string, unknown>> {
  const token = /^DPoP (.+)$/.exec(headers.authorization ?? '')?.[1];
  if (!token) throw new Error(`not the DPoP scheme: ${headers.authorization}`);
  const { payload, protectedHeader } = await jwtVerify(String(headers.dpop), EmbeddedJWK, {
    typ: 'dpop+jwt',
    algorithms: ['ES256'],
  });
  if (payload.htm !== method) throw new Error(`htm ${String(payload.htm)}`);
  if (payload.htu !== url) throw new Error(`htu ${String(payload.htu)}`);
  const ath = createHash('sha256').update(token).digest('base64url');
  if (payload.ath !== ath) throw new Error('ath is not the hash of the token');
  if ((await calculateJwkThumbprint(protectedHeader.jwk!)) !== jktOf(token)) {
    throw new Error('the proof key is not the key the token is bound to');
  }
  if (typeof payload.jti !== 'string' || typeof payload.iat !== 'number') {
    throw new Error('jti or iat missing');
  }
  return payload;
}
