// Bounds, not Gatehouse: the least a Bearer or DPoP request costs with jose, the JWT library
// Gatehouse verifies with, on `node:http` (no framework), answering /secure-data's JSON.
// - `Bearer <token>`: jose's jwtVerify on each token against the dev IdP's keys, the issuer and
//   the signature only (Gatehouse also checks the audience and more). What the first-sight
//   target can reach here is at most what this reaches.
// - `DPoP <token>` with a new proof each request: the token verified once and remembered (as a
//   repeated token is), the proof's signature verified by jose with its key imported once, the
//   key's thumbprint (hashed once) compared with the token's `cnf.jkt`, and its `jti` recorded
//   once in a SQLite file laid out as the default store's (WAL, the same pragmas, a WITHOUT
//   ROWID table; RFC 9449 11.1). Gatehouse checks more of the proof.
import Database from 'better-sqlite3';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  EmbeddedJWK,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { createServer, type IncomingMessage } from 'node:http';
import { fail, serveHttpUntilStopped, specOf, writeJson } from '../lib/child.js';

export interface JoseVerifierSpec {
  port: number;
  issuer: string;
  /** The SQLite file the DPoP proofs' `jti`s are recorded in. */
  claimsFile: string;
}

async function main() {
  const spec = specOf<JoseVerifierSpec>();
  const discovery = await fetch(`${spec.issuer}/.well-known/openid-configuration`);
  const { jwks_uri } = (await discovery.json()) as { jwks_uri: string };
  const keys = createRemoteJWKSet(new URL(jwks_uri));
  const claimOnce = jtiRecorder(spec.claimsFile);
  const boundTokens = new Map<string, Promise<JWTPayload>>();
  // Each proof key imported and its thumbprint hashed once, as Gatehouse does.
  const proofKeys = new Map<
    string,
    { key: ReturnType<typeof EmbeddedJWK>; jkt: Promise<string> }
  >();
  const proofKey: typeof EmbeddedJWK = (header, token) => {
    const id = JSON.stringify(header?.jwk);
    let known = proofKeys.get(id);
    if (!known) {
      known = { key: EmbeddedJWK(header, token), jkt: calculateJwkThumbprint(header!.jwk!) };
      proofKeys.set(id, known);
    }
    return known.key;
  };

  async function dpop(req: IncomingMessage, token: string): Promise<JWTPayload> {
    let claims = boundTokens.get(token);
    if (!claims) {
      claims = jwtVerify(token, keys, { issuer: spec.issuer }).then(({ payload }) => payload);
      boundTokens.set(token, claims);
    }
    const proof = await jwtVerify(String(req.headers.dpop), proofKey, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
    });
    const payload = await claims;
    const jkt = await proofKeys.get(JSON.stringify(proof.protectedHeader.jwk))!.jkt;
    const bound = (payload.cnf as { jkt?: string } | undefined)?.jkt;
    if (proof.payload.htm !== req.method || jkt !== bound) throw new Error('not this request');
    if (!claimOnce(String(proof.payload.jti), proof.payload.iat! + 60)) throw new Error('replay');
    return payload;
  }

  const server = createServer((req, res) => {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    const verified =
      scheme === 'Bearer' && token
        ? jwtVerify(token, keys, { issuer: spec.issuer }).then(({ payload }) => payload)
        : scheme === 'DPoP' && token
          ? dpop(req, token)
          : undefined;
    if (!verified) return writeJson(res, 401, { error: 'unauthorized' });
    verified.then(
      (payload) =>
        writeJson(res, 200, {
          message: 'You are authenticated!',
          user: payload.sub,
          via: 'bearer',
          at: new Date().toISOString(),
        }),
      () => writeJson(res, 401, { error: 'invalid_token' }),
    );
  });
  await serveHttpUntilStopped(server, spec.port);
}

/** A `jti` recorded once: true the first time, false for a replay. */
function jtiRecorder(file: string): (jti: string, expiresAt: number) => boolean {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('mmap_size = 268435456');
  db.exec(
    'CREATE TABLE IF NOT EXISTS claims (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID',
  );
  const insert = db.prepare(
    'INSERT INTO claims (id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  return (jti, expiresAt) => insert.run(jti, expiresAt).changes === 1;
}

main().catch(fail);
