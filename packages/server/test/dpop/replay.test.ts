import type { DevIdp } from '@gatehouse/dev-idp';
import { MemoryStore, type SessionStore } from '@gatehouse/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fastifyBackend, testOptions } from '../bearer/support.js';
import { boundToken, dpop, dpopKey, expectInvalidProof, proof, startDpopIdp } from './support.js';

/**
 * A proof captured on the way to one instance must not work at another: the `jti` is claimed in
 * the store every instance shares, not in one instance's memory.
 */
describe('DPoP proof replay across instances that share a store', () => {
  let idp: DevIdp;
  let dir: string;
  beforeAll(async () => {
    idp = await startDpopIdp();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-dpop-'));
  });
  afterAll(async () => {
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stores: [string, () => SessionStore | string][] = [
    ['one memory store', () => new MemoryStore()],
    ['one SQLite file', () => `sqlite:${join(dir, `sessions-${Date.now()}.db`)}`],
  ];

  test.each(stores)(
    'a proof accepted by instance A is refused by instance B (%s)',
    async (_, open) => {
      const sessionStore = open();
      const a = await fastifyBackend(testOptions({ issuer: idp.issuer, sessionStore }));
      const b = await fastifyBackend(testOptions({ issuer: idp.issuer, sessionStore }));
      try {
        const key = await dpopKey();
        const token = await boundToken(idp.issuer, key);
        const once = await proof({ key, token });
        expect((await a.call('/secure-data', dpop(token, once))).status).toBe(200);
        expectInvalidProof(await b.call('/secure-data', dpop(token, once)));
        expectInvalidProof(await a.call('/secure-data', dpop(token, once)));
        // Fresh proofs still work on both.
        expect(
          (await b.call('/secure-data', dpop(token, await proof({ key, token })))).status,
        ).toBe(200);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );
});
