/**
 * Issue 22: rotating SESSION_SECRET during a rolling deploy must not sign anyone out. Two
 * instances share one store (one SQLite file, one real redis-server), each with its own
 * configuration. The attack this stops: an instance still on the old secret meets a session the
 * other one re-sealed under the new secret, cannot open it and deletes it; the user is signed
 * out everywhere and the refresh token, no longer readable, is never revoked.
 */
import {
  ConfigError,
  ENV_NAMES,
  optionsFromEnv,
  parseConfig,
  type GatehouseOptions,
} from '@gatehouse/server';
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { tokenKey } from '../../src/config/keys.js';
import { sessionKeyOf } from '../../src/session/crypto.js';
import { loadStore } from '../../src/session/open-store.js';
import type { SessionRecord } from '../../src/session-store.js';
import { failures, type RelyingParty } from '../hostile/relying-party.js';
import { captureLog, setCookie } from '../support/stack.js';
import {
  CSRF,
  integrityHarness,
  on,
  signInDevice,
  type Device,
  type StoreKind,
} from './support.js';

const OLD = 'the-secret-every-instance-has-today-'.repeat(2);
const NEW = 'the-secret-the-rotation-brings-in-'.repeat(2);

/** The phases of the documented rotation (docs/scaling.md, "Rotating SESSION_SECRET"). */
const PHASE = {
  before: { sessionSecret: OLD },
  /** Phase 1: every instance reads the new secret, none seals with it. */
  known: { sessionSecret: OLD, sessionSecretNext: NEW },
  /** Phase 2: the new secret seals, the old one is read (and re-sealed away from). */
  sealing: { sessionSecret: [NEW, OLD] },
  /** Phase 3, after the longest session lifetime: the old secret is gone. */
  after: { sessionSecret: NEW },
} as unknown as Record<string, Partial<GatehouseOptions>>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const kinds: StoreKind[] = ['sqlite', 'redis'];
const harness = integrityHarness(kinds);

describe.each(kinds)('SESSION_SECRET rotated during a rolling deploy, %s', (kind) => {
  /** Instance A (Fastify) and B (Express behind A's BACKEND_URL) on one store. */
  async function pair(optionsA: Partial<GatehouseOptions>, optionsB: Partial<GatehouseOptions>) {
    const a = await harness.start(kind, optionsA);
    const b = await harness.start(kind, optionsB, { framework: 'express', backendUrl: a.url });
    return { a, b };
  }

  /** Restarts `rp` (a rolling deploy's step) with `options`, behind the same BACKEND_URL. */
  async function redeploy(
    rp: RelyingParty,
    options: Partial<GatehouseOptions>,
    { framework, backendUrl }: { framework: 'fastify' | 'express'; backendUrl: string },
  ) {
    await harness.stop(rp);
    return harness.start(kind, options, { framework, backendUrl });
  }

  /** The session's record as the shared store holds it now, read through a connection of its own. */
  async function stored(device: Device): Promise<SessionRecord | undefined> {
    const store = await loadStore(harness.store(kind), 'sessionStore', captureLog().logger);
    try {
      const id = /gatehouse=([^;]+)/.exec(device.cookie)![1]!;
      return await store.get(sessionKeyOf(id)!);
    } finally {
      await store.close();
    }
  }

  /** The device is signed in on `rp`: /me and a guarded route that opens the tokens answer 200. */
  async function signedInOn(rp: RelyingParty, device: Device, step: string) {
    const me = await on(rp, device, '/me');
    expect(me.status, `${step}: GET /me on ${rp.url}: ${await me.clone().text()}`).toBe(200);
    const data = await on(rp, device, '/secure-data');
    expect(data.status, `${step}: GET /secure-data on ${rp.url}`).toBe(200);
    const { accessTokenHash } = (await data.json()) as { accessTokenHash: string };
    const { hostile } = harness;
    expect(accessTokenHash, `${step}: the session's tokens, opened`).toBe(
      sha256(hostile.issued.at(-1)!.access_token),
    );
  }

  test('the two-phase rotation keeps the user signed in on both instances at every step, with a refresh (re-seal) on every request', async () => {
    const { hostile } = harness;
    hostile.accessTokenTtl = 0; // every request refreshes, so every instance re-seals under its own key
    let { a, b } = await pair(PHASE.before!, PHASE.before!);
    const device = await signInDevice(hostile, a);
    const atA = { framework: 'fastify', backendUrl: a.url } as const;
    const atB = { framework: 'express', backendUrl: a.url } as const;
    const both = async (step: string) => {
      await signedInOn(a, device, step);
      await signedInOn(b, device, step);
      await signedInOn(a, device, step);
    };
    await both('before the rotation');

    b = await redeploy(b, PHASE.known!, atB);
    await both('phase 1, B rolled');
    a = await redeploy(a, PHASE.known!, atA);
    await both('phase 1, both rolled');

    b = await redeploy(b, PHASE.sealing!, atB);
    await signedInOn(b, device, 'phase 2, B rolled');
    expect((await stored(device))?.tokenKey, 'B sealed the session under the new secret').toBe(
      tokenKey(NEW).id,
    );
    await both('phase 2, B rolled: A (phase 1) reads what B sealed');
    a = await redeploy(a, PHASE.sealing!, atA);
    await both('phase 2, both rolled');
    expect((await stored(device))?.tokenKey).toBe(tokenKey(NEW).id);

    b = await redeploy(b, PHASE.after!, atB);
    await both('phase 3, B rolled');
    a = await redeploy(a, PHASE.after!, atA);
    await both('phase 3, both rolled');
    expect(hostile.revokedTokens(), 'no session was ended on the way').toEqual([]);
  });

  test('phase 1 reads a session sealed under the next secret without sealing it back (no re-seal ping-pong between instances)', async () => {
    const { hostile } = harness;
    const { a, b } = await pair(PHASE.known!, PHASE.sealing!);
    const device = await signInDevice(hostile, a);
    await signedInOn(b, device, 'B (phase 2) re-seals under the new secret');
    const resealed = (await stored(device))!;
    expect(resealed.tokenKey).toBe(tokenKey(NEW).id);
    await signedInOn(a, device, 'A (phase 1) opens it with SESSION_SECRET_NEXT');
    const after = (await stored(device))!;
    expect(after.tokenKey, 'A left it sealed under the new secret').toBe(tokenKey(NEW).id);
    expect(Buffer.from(after.tokens).equals(Buffer.from(resealed.tokens))).toBe(true);
  });

  test('an instance that meets a session sealed under a secret it does not know answers 503 ERR_SESSION_KEY_UNKNOWN with Retry-After and leaves the record untouched (no sign-out everywhere)', async () => {
    const { hostile } = harness;
    // A deploy that skipped phase 1: A still knows only the old secret, B seals with the new one.
    const { a, b } = await pair(PHASE.before!, PHASE.sealing!);
    const device = await signInDevice(hostile, a);
    await signedInOn(b, device, 'B re-seals under the new secret');
    const resealed = (await stored(device))!;
    expect(resealed.tokenKey).toBe(tokenKey(NEW).id);

    for (const path of ['/me', '/secure-data']) {
      const refused = await on(a, device, path);
      expect(refused.status, `GET ${path} on A: ${await refused.clone().text()}`).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(setCookie(refused, 'gatehouse'), 'the browser keeps its cookie').toBeUndefined();
      expect(await refused.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description:
          'This server cannot read your session yet: its configuration is being updated. Try again in a moment.',
      });
    }
    expect(failures(a.log).map((entry) => entry.code)).toContain('ERR_SESSION_KEY_UNKNOWN');

    const after = (await stored(device))!;
    expect(after, 'the record A cannot open is still in the store').toBeDefined();
    expect(after.tokenKey).toBe(resealed.tokenKey);
    expect(Buffer.from(after.tokens).equals(Buffer.from(resealed.tokens)), 'not rewritten').toBe(
      true,
    );
    expect(hostile.revokedTokens()).toEqual([]);
    await signedInOn(b, device, 'B still serves the session A refused');
  });

  test('an instance that cannot open the session still signs it out: POST /logout deletes the record and clears the cookie (its refresh token cannot be revoked there)', async () => {
    const { hostile } = harness;
    const { a, b } = await pair(PHASE.before!, PHASE.sealing!);
    const device = await signInDevice(hostile, a);
    await signedInOn(b, device, 'B re-seals under the new secret');

    const logout = await on(a, device, '/logout', { method: 'POST', headers: CSRF });
    expect(logout.status, await logout.clone().text()).toBe(200);
    expect(setCookie(logout, 'gatehouse')).toMatch(/^gatehouse=;.*Max-Age=0/i);
    expect(await stored(device), 'the signed-out record is gone').toBeUndefined();
    const replay = await fetch(`${b.url}/me`, { headers: { cookie: device.cookie } });
    expect(replay.status, 'the signed-out cookie on B, which could open it').toBe(401);
    expect(failures(a.log).map((entry) => entry.msg)).toContain(
      'session ended unopened: sealed under a SESSION_SECRET this instance does not know, its refresh token is not revoked',
    );
  });
});

describe('SESSION_SECRET_NEXT', () => {
  const base = {
    issuer: 'https://idp.example/oauth2/default',
    clientId: 'c',
    clientSecret: 's',
    backendUrl: 'https://api.example',
    frontendUrl: 'https://app.example',
  };

  test('read from the environment: the next secret opens sessions but never seals (the current secret stays first)', () => {
    const config = parseConfig(
      { ...optionsFromEnv({ SESSION_SECRET: OLD, SESSION_SECRET_NEXT: NEW }), ...base },
      ENV_NAMES,
    );
    expect(config.keys.tokens.map((key) => [key.id, key.next ?? false])).toEqual([
      [tokenKey(OLD).id, false],
      [tokenKey(NEW).id, true],
    ]);
    expect(config.keys.transaction).toHaveLength(2);
  });

  test('a next secret that repeats one of SESSION_SECRET, or is short, stops the server with a message naming the variable', () => {
    const repeat = () =>
      parseConfig(
        {
          ...optionsFromEnv({ SESSION_SECRET: `${NEW},${OLD}`, SESSION_SECRET_NEXT: NEW }),
          ...base,
        },
        ENV_NAMES,
      );
    expect(repeat).toThrow(ConfigError);
    expect(repeat).toThrow(/^SESSION_SECRET_NEXT repeats a secret of SESSION_SECRET/);
    expect(() =>
      parseConfig(
        { ...optionsFromEnv({ SESSION_SECRET: OLD, SESSION_SECRET_NEXT: 'short' }), ...base },
        ENV_NAMES,
      ),
    ).toThrow('SESSION_SECRET_NEXT must be at least 32 characters, got 5');
  });
});
