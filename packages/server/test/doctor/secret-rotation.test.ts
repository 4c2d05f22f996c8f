// The doctor during a SESSION_SECRET rotation (docs/scaling.md, "Rotating SESSION_SECRET"). It
// samples the store and warns about sessions no configured secret opens. Sessions under
// SESSION_SECRET_NEXT open (phase 1: another instance may already seal with it), and a session
// under a secret this configuration lacks is refused with 503 and kept, not ended.
import { doctor, type DoctorReport } from '@gatehouse/server/doctor';
import { SqliteStore } from '@gatehouse/server/stores/sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tokenKey } from '../../src/config/keys.js';
import { sealTokens } from '../../src/session/crypto.js';
import type { SessionRecord } from '../../src/session-store.js';
import { goodEnv, line } from './support.js';

const OLD = 'the-secret-every-instance-has-today-'.repeat(2);
const NEW = 'the-secret-the-rotation-brings-in-'.repeat(2);
const GONE = 'a-secret-no-instance-has-any-longer-'.repeat(2);
/** Nothing answers there: the provider's checks fail at once, the store's still run. */
const ISSUER = 'http://127.0.0.1:9/oauth2/default';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doctor-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A SQLite file holding one live session sealed under each of `secrets` (undefined: no key id). */
async function storeWith(name: string, secrets: { secret: string; named?: boolean }[]) {
  const path = join(dir, `${name}.db`);
  const store = new SqliteStore(path);
  const now = Math.floor(Date.now() / 1000);
  for (const [index, { secret, named = true }] of secrets.entries()) {
    const key = `session-${index}`;
    const sealing = tokenKey(secret);
    const record: SessionRecord = {
      user: { sub: `user-${index}` },
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + 3600,
      accessTokenExpiresAt: now + 3600,
      refreshable: false,
      tokens: sealTokens({ access_token: `token-${index}` }, sealing.key, key),
      ...(named && { tokenKey: sealing.id }),
    };
    await store.create(key, record);
  }
  await store.close();
  return `sqlite:${path}`;
}

function check(store: string, secrets: Record<string, string>): Promise<DoctorReport> {
  return doctor({ env: goodEnv(ISSUER, { SESSION_STORE: store, ...secrets }), envFile: false });
}

test('phase 1 (SESSION_SECRET=old, SESSION_SECRET_NEXT=new): sessions another instance sealed under the new secret are no warning', async () => {
  const store = await storeWith('phase-1', [{ secret: OLD }, { secret: NEW }]);
  const report = await check(store, { SESSION_SECRET: OLD, SESSION_SECRET_NEXT: NEW });
  expect(line(report, 'session-store')).toMatchObject({ status: 'ok' });
});

test('phase 2 (SESSION_SECRET=new,old): sessions under either secret are no warning', async () => {
  const store = await storeWith('phase-2', [{ secret: OLD }, { secret: NEW }]);
  const report = await check(store, { SESSION_SECRET: `${NEW},${OLD}` });
  expect(line(report, 'session-store')).toMatchObject({ status: 'ok' });
});

test('a session under a secret this configuration lacks: the warning says 503 and kept, not signed out', async () => {
  const store = await storeWith('unknown', [{ secret: NEW }, { secret: GONE }, { secret: GONE }]);
  const report = await check(store, { SESSION_SECRET: NEW });
  expect(line(report, 'session-store')).toEqual({
    id: 'session-store',
    title: 'session store',
    status: 'warn',
    message:
      '2 of 3 sessions are sealed under a secret neither SESSION_SECRET nor SESSION_SECRET_NEXT gives: this server answers their requests 503 (ERR_SESSION_KEY_UNKNOWN) and leaves them in the store',
    fix: 'give this server every secret the other instances have (SESSION_SECRET=new,previous and SESSION_SECRET_NEXT as theirs), and rotate in the phases of docs/scaling.md ("Rotating SESSION_SECRET")',
  });
});

test('a session from before key ids that no secret opens ends at its next request, and the warning says so', async () => {
  const store = await storeWith('unnamed', [{ secret: NEW }, { secret: GONE, named: false }]);
  const report = await check(store, { SESSION_SECRET: NEW });
  expect(line(report, 'session-store')).toMatchObject({
    status: 'warn',
    message:
      '1 of 2 sessions open under no configured SESSION_SECRET: they end at their next request and their users sign in again',
  });
});
