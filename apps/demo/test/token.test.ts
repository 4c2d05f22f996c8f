import { startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import { freePort } from '@gatehouse/dev-idp/testing';
import { createGatehouse, MemoryStore, type Gatehouse } from '@gatehouse/server';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildDemoApp } from '../server/app.js';

const script = fileURLToPath(new URL('../scripts/token.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-token-'));

describe('npm run token', () => {
  let idp: DevIdp;
  let gatehouse: Gatehouse;
  let app: Awaited<ReturnType<typeof buildDemoApp>>;
  let backendUrl: string;

  /** The script as `npm run -s token -- <args>` runs it, in a directory without `.env`. */
  const token = async (...args: string[]) =>
    (
      await promisify(execFile)(
        process.execPath,
        ['--conditions=@gatehouse/source', '--import', tsx, script, ...args],
        {
          cwd: dir,
          env: { PATH: process.env.PATH!, OKTA_ISSUER_URL: idp.issuer, BACKEND_URL: backendUrl },
        },
      )
    ).stdout;

  beforeAll(async () => {
    idp = await startDevIdp({ port: 0, keysFile: false, quiet: true, fixedDemoCredentials: true });
    const port = await freePort();
    backendUrl = `http://localhost:${port}`;
    gatehouse = createGatehouse({
      issuer: idp.issuer,
      clientId: 'gatehouse-demo',
      clientSecret: 'gatehouse-demo-secret',
      backendUrl,
      frontendUrl: 'http://localhost:5999',
      sessionSecret: 'token-test-secret-'.repeat(3),
      sessionStore: new MemoryStore(),
      logger: pino({ level: 'silent' }),
    });
    app = await buildDemoApp({ gatehouse });
    await app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await gatehouse.close();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without options: the access token alone on one line, as before', async () => {
    const output = await token();
    expect(output).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const response = await fetch(`${backendUrl}/secure-data`, {
      headers: { authorization: `Bearer ${output.trim()}` },
    });
    expect(response.status).toBe(200);
  });

  test('--dpop: a curl command whose proof works once for GET /secure-data', async () => {
    const output = await token('--dpop');
    const lines = output.trim().split('\n');
    expect(lines[0]).toMatch(/^# A DPoP-bound access token of gatehouse-cli/);
    expect(lines[1]).toMatch(/the proof can be used once/);
    const curl = lines.at(-1)!;
    const match = /^curl -H 'Authorization: DPoP ([^']+)' -H 'DPoP: ([^']+)' '([^']+)'$/.exec(curl);
    expect(match?.[3]).toBe(`${backendUrl}/secure-data`);
    const headers = { authorization: `DPoP ${match![1]}`, dpop: match![2]! };
    const first = await fetch(match![3]!, { headers });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ message: expect.any(String) });
    // The printed proof is spent: the same command again is a replay.
    const again = await fetch(match![3]!, { headers });
    expect(again.status).toBe(401);
    expect((await again.json()).error).toBe('invalid_dpop_proof');
  });

  test('--dpop --url: the proof is for that URL, and only that one', async () => {
    const url = `${backendUrl}/me`;
    const output = await token('--dpop', '--url', url);
    expect(output.trim().split('\n').at(-1)).toMatch(new RegExp(`'${url}'$`));
    const [, tokenValue, proofValue] = /DPoP ([^']+)' -H 'DPoP: ([^']+)'/.exec(output)!;
    const elsewhere = await fetch(`${backendUrl}/secure-data`, {
      headers: { authorization: `DPoP ${tokenValue}`, dpop: proofValue! },
    });
    expect(elsewhere.status).toBe(401);
  });
});
