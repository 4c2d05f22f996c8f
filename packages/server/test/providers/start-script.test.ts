/**
 * `npm start` (scripts/start.mjs, `--dry-run`: what each part would get, nothing started): the
 * provider `default` stays on the OKTA_* variables, and with the dev IdP its `acme` tenant is a
 * second provider that signs in as the demo's client, whatever client `default` uses.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, test } from 'vitest';
import { ENV_NAMES, optionsFromEnv, parseConfig } from '@gatehouse/server';

const script = fileURLToPath(new URL('../../../../scripts/start.mjs', import.meta.url));
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Plan {
  devIdp: boolean;
  parts: { name: string; env: Record<string, string> }[];
}

/** The plan of `npm start` run in an empty directory (no `.env`) with `env` set. */
async function plan(env: Record<string, string> = {}, dotEnv?: string): Promise<Plan> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-start-'));
  dirs.push(dir);
  if (dotEnv !== undefined) writeFileSync(join(dir, '.env'), dotEnv);
  const { stdout } = await promisify(execFile)(process.execPath, [script, '--dry-run'], {
    env: { PATH: process.env.PATH!, INIT_CWD: dir, ...env },
  });
  return JSON.parse(stdout) as Plan;
}

const apiOf = (answer: Plan) => answer.parts.find((part) => part.name === 'api')!.env;
const providersOf = (env: Record<string, string>) =>
  JSON.parse(env.PROVIDERS ?? '[]') as Record<string, unknown>[];

test('no configuration: default on the dev IdP’s default tenant, acme on its acme tenant', async () => {
  const api = apiOf(await plan());
  expect(api.OKTA_ISSUER_URL).toBe('http://localhost:7157/oauth2/default');
  expect(api.OKTA_CLIENT_ID).toBe('gatehouse-demo');
  expect(providersOf(api)).toEqual([
    expect.objectContaining({
      id: 'acme',
      issuer: 'http://localhost:7157/oauth2/acme',
      clientId: 'gatehouse-demo',
      clientAuth: 'client_secret_basic',
      domains: ['acme.example'],
    }),
  ]);
});

test('OKTA_CLIENT_ID and CLIENT_AUTH in .env: default keeps them, acme still signs in as the demo client', async () => {
  const api = apiOf(
    await plan({}, 'OKTA_CLIENT_ID=gatehouse-demo-bound\nCLIENT_AUTH=private_key_jwt\n'),
  );
  expect(api.OKTA_CLIENT_ID).toBe('gatehouse-demo-bound');
  expect(api.CLIENT_AUTH).toBe('private_key_jwt');
  const [acme] = providersOf(api);
  expect(acme).toMatchObject({ clientId: 'gatehouse-demo', clientAuth: 'client_secret_basic' });
  // And the backend accepts what npm start gives it: acme with its secret, default with a key.
  const key = JSON.stringify({
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
  });
  const config = parseConfig(
    optionsFromEnv({
      ...api,
      PROVIDERS: JSON.stringify([{ ...acme, clientSecret: 'gatehouse-demo-secret' }]),
      CLIENT_PRIVATE_KEY: key,
      BACKEND_URL: 'http://localhost:7156',
      FRONTEND_URL: 'http://localhost:5173',
      SESSION_SECRET: 's'.repeat(32),
    }),
    ENV_NAMES,
  );
  expect(config.providers.map((one) => [one.id, one.clientId, one.clientAuth])).toEqual([
    ['default', 'gatehouse-demo-bound', 'private_key_jwt'],
    ['acme', 'gatehouse-demo', 'client_secret_basic'],
  ]);
});

test('a real Okta in the environment: default on it, no dev IdP and so no acme', async () => {
  const answer = await plan({
    OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
    OKTA_CLIENT_ID: '0oa-mine',
    OKTA_CLIENT_SECRET: 'mine',
  });
  expect(answer.devIdp).toBe(false);
  const api = apiOf(answer);
  expect(api).toMatchObject({
    OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
    OKTA_CLIENT_ID: '0oa-mine',
  });
  expect(api.PROVIDERS).toBeUndefined();
});

test('PROVIDERS set by the user wins over the acme tenant', async () => {
  const mine = JSON.stringify([{ id: 'mine', issuer: 'https://x.example', clientId: 'c' }]);
  expect(apiOf(await plan({ PROVIDERS: mine })).PROVIDERS).toBe(mine);
});
