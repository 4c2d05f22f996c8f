import { signIn } from '@gatehouse/dev-idp/testing';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ADA, startStack, type Stack } from './support/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-secrets-'));
let stack: Stack;
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('no token, code or session id reaches a log line or the store in clear (theft from logs or backups)', async () => {
  stack = await startStack({
    options: { sessionStore: new SqliteStore(join(dir, 'sessions.db')) },
  });
  const login = await stack.jar.fetch(`${stack.backend.url}/login`);
  const callbackUrl = new URL(await signIn(login.headers.get('location')!, ADA, stack.jar));
  expect((await stack.jar.fetch(callbackUrl)).status).toBe(302);
  const sessionId = stack.jar.header(`${stack.backend.url}/`)!.match(/gatehouse=([\w-]{43})/)![1]!;
  expect((await stack.jar.fetch(`${stack.backend.url}/secure-data`)).status).toBe(200);

  // Read the store's files while the session is live.
  const stored = readdirSync(dir).map((file) => readFileSync(join(dir, file)).toString('latin1'));
  for (const bytes of stored) {
    expect(bytes).not.toMatch(/eyJ[\w-]{10,}\.eyJ/);
    expect(bytes).not.toContain(sessionId);
  }

  const logout = await stack.jar.fetch(`${stack.backend.url}/logout`, {
    method: 'POST',
    headers: { 'x-csrf': '1' },
  });
  const idToken = new URL((await logout.json()).endSessionUrl).searchParams.get('id_token_hint')!;
  const log = stack.log.join('\n');
  expect(log).toContain('signed in');
  expect(log).toContain('signed out');
  for (const secret of [callbackUrl.searchParams.get('code')!, sessionId, idToken.split('.')[1]!]) {
    expect(log).not.toContain(secret);
  }
  expect(log).not.toMatch(/eyJ[\w-]+\.eyJ/);
});
