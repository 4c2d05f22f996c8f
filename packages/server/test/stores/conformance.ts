/**
 * The store conformance suite: the same cases for every SessionStore, so "ending a session
 * always wins" holds on each. To add a store, create `test/stores/<store>.test.ts` that starts
 * what the store needs (a server from test/support/, a temp folder) in `beforeAll`, stops it in
 * `afterAll`, and calls `storeConformance('<store>', () => new MyStore(...))`. `open` is called
 * once per case and must return an empty store of its own (a fresh file, database or key
 * prefix), which the case closes. Pass `{ shared: true }` for stores that several instances use
 * at once: the suite then also checks their shared `lock`. Cases that only make sense for one store
 * (a file layout, a restart) stay in that store's own test file.
 */
import { describe, expect, test } from 'vitest';
import type { SessionRecord, SessionStore } from '@gatehouse/server';
import { EXPIRED_RETENTION } from '../../src/session-store.js';

export interface ConformanceOptions {
  /** Several instances share the store: it must offer a `lock` that one holder has at a time. */
  shared?: boolean;
}

const now = () => Math.floor(Date.now() / 1000);
const record = (tokens: number[], overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  user: { sub: 'u1', name: 'Ada', groups: ['admins'] },
  createdAt: now(),
  lastSeenAt: now(),
  expiresAt: now() + 600,
  accessTokenExpiresAt: now() + 60,
  refreshable: true,
  tokens: new Uint8Array(tokens),
  tokenKey: 'k1',
  ...overrides,
});
const bytes = (loaded: SessionRecord | undefined) => [...(loaded?.tokens ?? [])];

export function storeConformance(
  name: string,
  open: () => Promise<SessionStore> | SessionStore,
  options: ConformanceOptions = {},
): void {
  describe(`${name} store`, () => {
    test('keeps, touches and deletes a session', async () => {
      const store = await open();
      await store.create('k', record([1, 2, 3], { expiresAt: now() + 60 }));
      const loaded = await store.get('k');
      expect(loaded?.user).toEqual({ sub: 'u1', name: 'Ada', groups: ['admins'] });
      expect(Buffer.from(loaded!.tokens)).toEqual(Buffer.from([1, 2, 3]));
      const expiresAt = now() + 120;
      await store.touch('k', now() + 5, expiresAt);
      expect((await store.get('k'))?.expiresAt).toBe(expiresAt);
      await store.delete('k');
      expect(await store.get('k')).toBeUndefined();
      await store.close();
    });

    test('an expired session is listed nowhere, but get still finds it so it can be ended properly', async () => {
      const store = await open();
      const expiresAt = now() - 1;
      await store.create('old', record([1, 2, 3], { expiresAt }));
      expect((await store.get('old'))?.expiresAt).toBe(expiresAt);
      expect(await store.listBySubject('u1')).toEqual([]);
      expect(await store.count?.()).toBe(0);
      await store.create(
        'long-gone',
        record([1, 2, 3], { expiresAt: now() - EXPIRED_RETENTION - 1 }),
      );
      expect(await store.get('long-gone')).toBeUndefined();
      await store.close();
    });

    test('a refresh that lands after a sign-out writes nothing and says so (session resurrection)', async () => {
      const store = await open();
      await store.create('k', record([1]));
      await store.delete('k');
      expect(await store.update('k', record([2]))).toBe(false);
      expect(await store.get('k')).toBeUndefined();
      await store.close();
    });

    test('a refresh of a live session replaces tokens, user and scopes, keeping the activity fields', async () => {
      const store = await open();
      await store.create('k', record([1]));
      const [lastSeenAt, expiresAt] = [now() + 5, now() + 900];
      await store.touch('k', lastSeenAt, expiresAt);
      const refreshed = record([2], {
        user: { sub: 'u1', name: 'Ada', groups: [] },
        scopes: ['openid'],
        lastSeenAt: 1,
        expiresAt: now() + 1,
      });
      expect(await store.update('k', refreshed)).toBe(true);
      const loaded = await store.get('k');
      expect(bytes(loaded)).toEqual([2]);
      expect(loaded?.user.groups).toEqual([]);
      expect(loaded?.scopes).toEqual(['openid']);
      expect(loaded?.lastSeenAt).toBe(lastSeenAt);
      expect(loaded?.expiresAt).toBe(expiresAt);
      await store.close();
    });

    test('a touch after a refresh never writes the rotated-out tokens back (refresh token reuse)', async () => {
      const store = await open();
      await store.create('k', record([1]));
      const stale = await store.get('k'); // a request loaded the session before the refresh
      await store.update('k', record([2]));
      const expiresAt = now() + 700;
      await store.touch('k', now() + 10, expiresAt);
      const loaded = await store.get('k');
      expect(bytes(stale)).toEqual([1]);
      expect(bytes(loaded)).toEqual([2]);
      expect(loaded?.expiresAt).toBe(expiresAt);
      await store.close();
    });

    test('a touch that lands after a sign-out does not bring the session back', async () => {
      const store = await open();
      await store.create('k', record([1]));
      await store.delete('k');
      await store.touch('k', now(), now() + 600);
      expect(await store.get('k')).toBeUndefined();
      expect(await store.listBySubject('u1')).toEqual([]);
      await store.close();
    });

    test('a re-seal applies only while the tokens are the ones it read (lost refresh)', async () => {
      const store = await open();
      await store.create('k', record([1]));
      await store.update('k', record([2])); // a refresh won the race
      expect(await store.update('k', record([3]), new Uint8Array([1]))).toBe(false);
      expect(bytes(await store.get('k'))).toEqual([2]);
      expect(await store.update('k', record([3]), new Uint8Array([2]))).toBe(true);
      expect(bytes(await store.get('k'))).toEqual([3]);
      await store.close();
    });

    test('counts and samples live sessions only', async () => {
      const store = await open();
      await store.create('a', record([1]));
      await store.create('b', record([1], { user: { sub: 'u2' } }));
      await store.create('gone', record([1], { expiresAt: now() - 1 }));
      await store.delete('b');
      expect(await store.count?.()).toBe(1);
      expect((await store.sample!(10)).map(({ key }) => key)).toEqual(['a']);
      await store.close();
    });

    test('lists the live sessions of a user and of a provider session (back-channel logout)', async () => {
      const store = await open();
      await store.create('a', record([1], { sid: 's1' }));
      await store.create('b', record([2], { sid: 's2' }));
      await store.create('other', record([3], { user: { sub: 'u2' }, sid: 's1' }));
      await store.create('expired', record([4], { sid: 's1', expiresAt: now() - 1 }));
      const keys = (found: { key: string }[]) => found.map(({ key }) => key).sort();
      expect(keys(await store.listBySubject('u1'))).toEqual(['a', 'b']);
      expect(keys(await store.listBySid('s1'))).toEqual(['a', 'other']);
      expect(bytes((await store.listBySid('s2'))[0]?.record)).toEqual([2]);
      await store.delete('a');
      expect(keys(await store.listBySubject('u1'))).toEqual(['b']);
      await store.close();
    });

    test('a logout token is accepted once, even when replayed at the same moment (replay)', async () => {
      const store = await open();
      const claims = await Promise.all(
        Array.from({ length: 5 }, () => store.claimOnce('jti-1', now() + 60)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimOnce('jti-1', now() + 60)).toBe(false);
      expect(await store.claimOnce('jti-2', now() + 60)).toBe(true);
      await store.close();
    });

    test('answers a readiness ping', async () => {
      const store = await open();
      await expect(store.ping?.()).resolves.toBeUndefined();
      await store.close();
    });

    if (options.shared) {
      test('a lock is held by one holder at a time, and free again once released', async () => {
        const store = await open();
        const name = `lock-${Math.random()}`;
        const release = await store.lock!(name, 5_000);
        expect(release).toBeTypeOf('function');
        expect(await store.lock!(name, 5_000)).toBeUndefined();
        await release!();
        const again = await store.lock!(name, 5_000);
        expect(again).toBeTypeOf('function');
        await again!();
        await store.close();
      });
    }
  });
}
