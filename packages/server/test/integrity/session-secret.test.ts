/**
 * Issue 11: a changed SESSION_SECRET never leaves a session that cannot be ended. A backend
 * whose secret cannot open a stored session refuses it (503, record kept: issue 22, another
 * instance may still open it) and still signs it out; a rotation (`sessionSecret: [new, old]`, env `SESSION_SECRET=new,old`) keeps
 * sessions working and re-seals them under the new secret.
 */
import { optionsFromEnv, type GatehouseOptions } from '@gatehouse/server';
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { failures } from '../hostile/relying-party.js';
import { setCookie } from '../support/stack.js';
import { CSRF, integrityHarness, on, signInDevice, type StoreKind } from './support.js';

const SECRET_A = 'the-secret-before-rotation-'.repeat(2);
const SECRET_B = 'the-secret-after-the-rotation-'.repeat(2);

/** `sessionSecret` as a list, newest first (not in the options' type until rotation exists). */
const secrets = (...list: string[]) => ({ sessionSecret: list }) as unknown as GatehouseOptions;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const kinds: StoreKind[] = ['sqlite', 'redis'];
const harness = integrityHarness(kinds);

describe.each(kinds)('SESSION_SECRET changes, %s', (kind) => {
  /** Signs in on a backend with secret A, then replaces it with one configured by `options`. */
  async function signedInUnderA(options: Partial<GatehouseOptions>) {
    const { hostile } = harness;
    const a = await harness.start(kind, { sessionSecret: SECRET_A });
    const device = await signInDevice(hostile, a);
    const accessTokenHash = sha256(hostile.issued.at(-1)!.access_token);
    expect((await (await on(a, device, '/secure-data')).json()).accessTokenHash).toBe(
      accessTokenHash,
    );
    await harness.stop(a);
    const next = await harness.start(kind, options);
    return { device, next, accessTokenHash };
  }

  /** Whether a backend with secret A (which sealed it) still finds the session. */
  async function recordKept(device: Awaited<ReturnType<typeof signedInUnderA>>['device']) {
    const a = await harness.start(kind, { sessionSecret: SECRET_A });
    const status = (await fetch(`${a.url}/me`, { headers: { cookie: device.cookie } })).status;
    await harness.stop(a);
    return status === 200;
  }

  test('a session sealed under a former secret: /me and /secure-data answer 503 ERR_SESSION_KEY_UNKNOWN (not 200, not 500) and the record is kept for an instance that can open it', async () => {
    const { device, next } = await signedInUnderA({ sessionSecret: SECRET_B });
    const me = await on(next, device, '/me');
    expect(me.status, 'GET /me on a session this secret cannot open').toBe(503);
    expect((await me.json()).error).toBe('temporarily_unavailable');
    expect(me.headers.get('retry-after')).toBe('5');
    expect((await on(next, device, '/secure-data')).status).toBe(503);
    expect(failures(next.log).map((entry) => entry.code)).toContain('ERR_SESSION_KEY_UNKNOWN');
    await harness.stop(next);
    expect(
      await recordKept(device),
      'the record was deleted by an instance that cannot open it',
    ).toBe(true);
  });

  test('POST /logout of a session sealed under a former secret: 200, cookie cleared, record gone', async () => {
    const { device, next } = await signedInUnderA({ sessionSecret: SECRET_B });
    const logout = await on(next, device, '/logout', { method: 'POST', headers: CSRF });
    expect(logout.status, await logout.clone().text()).toBe(200);
    expect(setCookie(logout, 'gatehouse')).toMatch(/^gatehouse=;.*Max-Age=0/i);
    await harness.stop(next);
    expect(await recordKept(device), 'the signed-out record was left in the store').toBe(false);
  });

  test('rotation sessionSecret [new, old]: the session still works, then the new secret alone serves it (re-sealed)', async () => {
    const { device, next, accessTokenHash } = await signedInUnderA(secrets(SECRET_B, SECRET_A));
    expect((await on(next, device, '/me')).status).toBe(200);
    const data = await on(next, device, '/secure-data');
    expect(data.status).toBe(200);
    expect((await data.json()).accessTokenHash, 'the access token, opened').toBe(accessTokenHash);
    await harness.stop(next);

    const onlyB = await harness.start(kind, { sessionSecret: SECRET_B });
    const later = await on(onlyB, device, '/secure-data');
    expect(later.status, 'served under the new secret alone').toBe(200);
    expect((await later.json()).accessTokenHash).toBe(accessTokenHash);
  });

  test('rotation from the environment, SESSION_SECRET=new,old: the session still works', async () => {
    // Read as the server reads its environment; parsed (split) wherever Gatehouse does it.
    const { sessionSecret } = optionsFromEnv({ SESSION_SECRET: `${SECRET_B},${SECRET_A}` });
    const { device, next, accessTokenHash } = await signedInUnderA({ sessionSecret });
    const data = await on(next, device, '/secure-data');
    expect(data.status).toBe(200);
    expect((await data.json()).accessTokenHash).toBe(accessTokenHash);
  });
});
