/**
 * The set-up every hostile test file shares: one hostile provider for the file, reset before
 * each test, and a fresh relying party (a Gatehouse backend signing in at it) for each test.
 */
import type { GatehouseOptions } from '@gatehouse/server';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { HostileProvider } from './provider.js';
import { startRelyingParty, type RelyingParty } from './relying-party.js';

export interface HostileFixture {
  /** This file's provider, honest again at the start of each test. */
  readonly hostile: HostileProvider;
  /** This test's relying party: the one started before it, or the last `startRelyingParty`. */
  readonly rp: RelyingParty;
  /** Replaces this test's relying party with one on `options` (closed after the test). */
  startRelyingParty(options?: Partial<GatehouseOptions>): Promise<RelyingParty>;
}

/**
 * Registers the hooks. With `relyingParty: 'per-test'` (the default) each test starts with a
 * relying party on Gatehouse's defaults; with `'own'` a test starts the one it needs.
 */
export function useHostileFixture({
  relyingParty = 'per-test',
}: { relyingParty?: 'per-test' | 'own' } = {}): HostileFixture {
  let hostile: HostileProvider | undefined;
  let rp: RelyingParty | undefined;

  async function closeRelyingParty() {
    await rp?.close();
    rp = undefined;
  }

  const fixture: HostileFixture = {
    get hostile() {
      if (!hostile) throw new Error('the hostile provider starts in beforeAll');
      return hostile;
    },
    get rp() {
      if (!rp) throw new Error('no relying party started for this test');
      return rp;
    },
    async startRelyingParty(options = {}) {
      await closeRelyingParty();
      rp = await startRelyingParty(fixture.hostile, options);
      return rp;
    },
  };

  beforeAll(async () => {
    hostile = await HostileProvider.start();
  });
  afterAll(() => hostile?.close());
  beforeEach(async () => {
    fixture.hostile.reset();
    if (relyingParty === 'per-test') await fixture.startRelyingParty();
  });
  afterEach(closeRelyingParty);
  return fixture;
}
