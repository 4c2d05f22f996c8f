/**
 * Issue 15: the SQLite store keeps the sessions it read in memory, so a request with a known
 * session reads no row. The attack this guards against: a session ended somewhere else (the
 * CLI, a second process on the file, a back-channel logout or "sign out that device" served by
 * another instance) still served from a stale copy. Each test reads the session first (so it is
 * cached), ends it through another connection, and expects the very next read to see the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../src/session/stores/sqlite.js';
import type { SessionRecord } from '../../src/session-store.js';
import { CSRF, expectEnded, handleOf, integrityHarness, on, signInDevice } from './support.js';

const future = () => Math.floor(Date.now() / 1000) + 3600;

function record(tokens = 'sealed'): SessionRecord {
  const now = Math.floor(Date.now() / 1000);
  return {
    user: { sub: 'ada' },
    createdAt: now,
    lastSeenAt: now,
    expiresAt: future(),
    accessTokenExpiresAt: future(),
    refreshable: true,
    tokens: new TextEncoder().encode(tokens),
    tokenKey: 'k1',
  };
}

describe('SQLite store: the in-process cache never outlives a write from elsewhere', () => {
  let dir: string;
  let file: string;
  const open: SqliteStore[] = [];
  const store = () => {
    const opened = new SqliteStore(file);
    open.push(opened);
    return opened;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-cache-'));
    file = join(dir, 'sessions.db');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a session deleted through another connection is gone on the next read', async () => {
    const serving = store();
    const cli = store();
    await serving.create('key-1', record());
    expect(await serving.get('key-1')).toBeDefined();
    await cli.delete('key-1');
    expect(await serving.get('key-1')).toBeUndefined();
  });

  test('a session deleted by another process is gone on the next read', async () => {
    const serving = store();
    await serving.create('key-1', record());
    expect(await serving.get('key-1')).toBeDefined();
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const other = spawnSync(
      process.execPath,
      [
        '-e',
        `const Database = require(${JSON.stringify(driver)});
         new Database(${JSON.stringify(file)}).prepare('DELETE FROM gatehouse_sessions_v2').run();`,
      ],
      { encoding: 'utf8' },
    );
    expect(other.status, other.stderr).toBe(0);
    expect(await serving.get('key-1')).toBeUndefined();
  });

  test('tokens replaced through another connection are read again, not served stale', async () => {
    const serving = store();
    const other = store();
    await serving.create('key-1', record('first'));
    expect(new TextDecoder().decode((await serving.get('key-1'))!.tokens)).toBe('first');
    expect(await other.update('key-1', record('second'))).toBe(true);
    expect(new TextDecoder().decode((await serving.get('key-1'))!.tokens)).toBe('second');
  });

  test('its own writes are seen at once, and a refused conditional write changes nothing', async () => {
    const serving = store();
    await serving.create('key-1', record('first'));
    await serving.get('key-1');
    const at = future() + 10;
    await serving.touch('key-1', at - 3600, at);
    expect((await serving.get('key-1'))!.expiresAt).toBe(at);
    const stale = new TextEncoder().encode('not what is stored');
    expect(await serving.update('key-1', record('second'), stale)).toBe(false);
    expect(new TextDecoder().decode((await serving.get('key-1'))!.tokens)).toBe('first');
    await serving.delete('key-1');
    expect(await serving.get('key-1')).toBeUndefined();
  });
});

describe('two backends on one SQLite file: an end served by one is seen by the other at once', () => {
  const harness = integrityHarness(['sqlite']);

  async function backends() {
    const a = await harness.start('sqlite');
    const b = await harness.start('sqlite', {}, { framework: 'express', backendUrl: a.url });
    return { a, b };
  }

  test('a back-channel logout received by B ends the session A just served', async () => {
    const { a, b } = await backends();
    const device = await signInDevice(harness.hostile, a);
    expect((await on(a, device, '/me')).status).toBe(200);
    const response = await harness.hostile.backchannelLogout(`${b.url}/backchannel-logout`, {
      sid: device.sid,
    });
    expect(response.status).toBe(200);
    await expectEnded([a], device);
  });

  test('"sign out that device" on B ends the session A just served', async () => {
    const { a, b } = await backends();
    const victim = await signInDevice(harness.hostile, a);
    const other = await signInDevice(harness.hostile, a);
    expect((await on(a, victim, '/secure-data')).status).toBe(200);
    const handle = await handleOf(a, victim, other);
    const ended = await on(b, other, `/sessions/${handle}`, { method: 'DELETE', headers: CSRF });
    expect(ended.status).toBe(204);
    await expectEnded([a], victim);
  });
});
