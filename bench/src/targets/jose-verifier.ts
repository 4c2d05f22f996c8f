// A bound, not Gatehouse: the least a first-sight Bearer request costs with jose, the JWT
// library Gatehouse verifies with. `node:http` (no framework) runs jose's jwtVerify on each
// token against the dev IdP's keys, checking the issuer and the signature only (Gatehouse also
// checks the audience and more), and answers /secure-data's JSON. What the first-sight target
// can reach here is at most what this reaches.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createServer, type ServerResponse } from 'node:http';
import { fail, serveHttpUntilStopped, specOf } from '../lib/child.js';

export interface JoseVerifierSpec {
  port: number;
  issuer: string;
}

async function main() {
  const spec = specOf<JoseVerifierSpec>();
  const discovery = await fetch(`${spec.issuer}/.well-known/openid-configuration`);
  const { jwks_uri } = (await discovery.json()) as { jwks_uri: string };
  const keys = createRemoteJWKSet(new URL(jwks_uri));
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return answer(res, 401, { error: 'unauthorized' });
    jwtVerify(token, keys, { issuer: spec.issuer }).then(
      ({ payload }) =>
        answer(res, 200, {
          message: 'You are authenticated!',
          user: payload.sub,
          via: 'bearer',
          at: new Date().toISOString(),
        }),
      () => answer(res, 401, { error: 'invalid_token' }),
    );
  });
  await serveHttpUntilStopped(server, spec.port);
}

main().catch(fail);
