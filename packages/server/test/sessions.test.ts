/**
 * Sessions: ending always wins, refresh tokens die with their session, and a SESSION_SECRET
 * change or rotation never leaves a session that cannot be ended. In-process, memory store.
 */
import { describe, expect, test } from 'vitest';
import { MemoryStore, parseConfig, type GatehouseOptions } from '@gatehouse/server';
import { Sessions } from '../src/session/sessions.js';
import { sessionKeyOf } from '../src/session/crypto.js';

const OLD = 'old-session-secret-'.repeat(2);
const NEW = 'new-session-secret-'.repeat(2);
const options = (sessionSecret: GatehouseOptions['sessionSecret']) =>
  parseConfig({
    issuer: 'https://idp.example/oauth2/default',
    clientId: 'c',
    clientSecret: 's',
    backendUrl: 'https://api.example',
    frontendUrl: 'https://app.example',
    sessionSecret,
  });
const tokens = { access_token: 'at-1', refresh_token: 'rt-1', id_token: 'id-1' };

function sessionsOn(store: MemoryStore, secret: GatehouseOptions['sessionSecret']) {
  const revoked: string[] = [];
  const sessions = new Sessions(store, options(secret), { revoke: (t) => revoked.push(t) });
  return { sessions, revoked };
}

async function signedIn(
  store = new MemoryStore(),
  secret: GatehouseOptions['sessionSecret'] = OLD,
) {
  const { sessions } = sessionsOn(store, secret);
  const { id } = await sessions.start({ user: { sub: 'u1' }, tokens, accessTokenExpiresAt: 0 });
  return { store, id, key: sessionKeyOf(id)! };
}

describe('ending a session', () => {
  test('a refresh that returns after sign-out is refused, and its new refresh token revoked', async () => {
    const { store, id } = await signedIn();
    const { sessions, revoked } = sessionsOn(store, OLD);
    const loaded = (await sessions.load(id))!; // the request that starts the refresh
    await sessions.end((await sessions.load(id))!); // the user signs out meanwhile
    await expect(
      sessions.update(loaded, {
        tokens: { access_token: 'at-2', refresh_token: 'rt-2' },
        accessTokenExpiresAt: 0,
      }),
    ).rejects.toMatchObject({ code: 'ERR_SESSION_EXPIRED', status: 401 });
    expect(await sessions.load(id)).toBeUndefined();
    expect(revoked).toEqual(['rt-1', 'rt-2']);
  });

  test('ending revokes the refresh token and hands back the ID token for the end-session URL', async () => {
    const { store, id } = await signedIn();
    const { sessions, revoked } = sessionsOn(store, OLD);
    expect(await sessions.end((await sessions.load(id))!)).toEqual(tokens);
    expect(revoked).toEqual(['rt-1']);
    expect(store.size).toBe(0);
  });

  test('a session found expired on load is ended and its refresh token revoked', async () => {
    const { store, id, key } = await signedIn();
    await store.touch(key, 0, Math.floor(Date.now() / 1000) - 1); // idle since long ago
    const { sessions, revoked } = sessionsOn(store, OLD);
    expect(await sessions.load(id)).toBeUndefined();
    expect(revoked).toEqual(['rt-1']);
  });
});

describe('opened tokens kept in memory', () => {
  test('a refresh stored by another instance is read, not the copy opened before (stale token)', async () => {
    const { store, id } = await signedIn();
    const { sessions } = sessionsOn(store, OLD);
    expect(sessions.tokens((await sessions.load(id))!).access_token).toBe('at-1');
    // Another instance (its own Sessions, the same store) refreshes the session.
    const other = sessionsOn(store, OLD).sessions;
    await other.update((await other.load(id))!, {
      tokens: { access_token: 'at-2', refresh_token: 'rt-2' },
      accessTokenExpiresAt: 0,
    });
    expect(sessions.tokens((await sessions.load(id))!).access_token).toBe('at-2');
  });

  test('the kept copy cannot be changed by a caller', async () => {
    const { store, id } = await signedIn();
    const { sessions } = sessionsOn(store, OLD);
    const opened = sessions.tokens((await sessions.load(id))!);
    expect(() => Object.assign(opened, { access_token: 'forged' })).toThrow(TypeError);
    expect(sessions.tokens((await sessions.load(id))!).access_token).toBe('at-1');
  });
});

describe('SESSION_SECRET changes', () => {
  test('a session sealed under a secret this instance does not know is refused (503), not served and not deleted (secret change, rolling deploy)', async () => {
    const { store, id, key } = await signedIn();
    const before = structuredClone((await store.get(key))!);
    const { sessions, revoked } = sessionsOn(store, NEW);
    await expect(sessions.load(id)).rejects.toMatchObject({
      code: 'ERR_SESSION_KEY_UNKNOWN',
      status: 503,
      retryAfter: 5,
    });
    // The path of a refresh or an API token, which re-read the record after the load.
    expect(() => sessions.tokens({ key, record: before })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_KEY_UNKNOWN' }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.get(key)).toEqual(before);
    expect(revoked).toEqual([]);
  });

  test('a session sealed under a secret no longer configured still ends on sign-out (the refresh token cannot be revoked there)', async () => {
    const { store, id } = await signedIn();
    const { sessions } = sessionsOn(store, NEW);
    const session = (await sessions.loadToEnd(id))!;
    expect(await sessions.end(session)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  test('rotation: listed as previous, the old secret opens the session, which is re-sealed under the new one', async () => {
    const { store, id } = await signedIn();
    const rotating = sessionsOn(store, [NEW, OLD]).sessions;
    const loaded = (await rotating.load(id))!;
    expect(rotating.tokens(loaded)).toEqual(tokens);
    // Re-sealed: an instance that knows only the new secret serves it now.
    const renewed = sessionsOn(store, NEW).sessions;
    expect(renewed.tokens((await renewed.load(id))!)).toEqual(tokens);
  });

  test('a re-seal does not overwrite tokens a refresh stored meanwhile (refresh token reuse)', async () => {
    const { store, id, key } = await signedIn();
    const stale = (await store.get(key))!;
    const refreshing = sessionsOn(store, [NEW, OLD]).sessions;
    await refreshing.update(
      { key, record: { ...stale } },
      { tokens: { access_token: 'at-2', refresh_token: 'rt-2' }, accessTokenExpiresAt: 0 },
    );
    // A request that had read the old record re-seals it now: it must not win.
    const get = store.get.bind(store);
    store.get = async () => ((store.get = get), { ...stale });
    const loaded = await refreshing.load(id);
    expect(refreshing.tokens(loaded!).refresh_token).toBe('rt-2');
    expect(refreshing.tokens({ key, record: (await store.get(key))! }).refresh_token).toBe('rt-2');
  });
});
