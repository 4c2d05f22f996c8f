/**
 * Issue 14, claims: the `onSignIn` hook refuses a sign-in or keeps extra claims with the
 * session, decides again when a refresh brings a new ID token, and `requireClaims` sees the
 * kept claims of a session caller as it sees a Bearer caller's token claims.
 */
import { requireClaims, type GatehouseOptions } from '@gatehouse/server';
import { AccessDeniedError } from '@gatehouse/server/errors';
import type { CookieJar } from '@gatehouse/dev-idp/testing';
import { describe, expect, test, vi } from 'vitest';
import { bearerPrincipal } from '../../src/bearer/principal.js';
import { useHostileFixture } from './fixture.js';
import { USER } from './provider.js';
import { expectRefusedPage, signIn, type RelyingParty } from './relying-party.js';

const fixture = useHostileFixture({ relyingParty: 'own' });

function start(onSignIn: GatehouseOptions['onSignIn']): Promise<RelyingParty> {
  return fixture.startRelyingParty({ onSignIn });
}

async function principal(jar: CookieJar) {
  return fixture.rp.backend.gatehouse.authenticate({
    method: 'GET',
    url: '/secure-data',
    headers: { cookie: jar.header(`${fixture.rp.url}/`)! },
  });
}

const sameTenant = requireClaims((claims) => claims.tenant === 'acme', 'Acme only.');

describe('onSignIn', () => {
  test('gets the ID token claims, userinfo and tokens, and keeps the claims it chooses', async () => {
    fixture.hostile.userClaims = { tenant: 'acme', roles: ['buyer'] };
    const hook = vi.fn(({ claims }) => ({ keep: { tenant: claims.tenant, roles: claims.roles } }));
    await start(hook);
    const { callback, jar } = await signIn(fixture.rp);
    expect(callback?.status).toBe(302);
    const [event] = hook.mock.calls[0]!;
    expect(event.claims).toMatchObject({ sub: USER.sub, tenant: 'acme' });
    expect(event.userinfo).toMatchObject({ sub: USER.sub });
    expect(event.tokens.access_token).toEqual(expect.any(String));
    expect(event.tokens).not.toHaveProperty('refresh_token');
    expect(event.refresh).toBe(false);
    const caller = await principal(jar);
    expect(caller.claims).toMatchObject({ sub: USER.sub, tenant: 'acme', roles: ['buyer'] });
    expect(() => sameTenant(caller)).not.toThrow();
  });

  test('requireClaims sees the same claims for a Bearer caller (the token’s)', () => {
    const caller = bearerPrincipal('t', { sub: USER.sub, tenant: 'acme' }, []);
    expect(() => sameTenant(caller)).not.toThrow();
    const other = bearerPrincipal('t', { sub: USER.sub, tenant: 'globex' }, []);
    expect(() => sameTenant(other)).toThrow(expect.objectContaining({ status: 403 }));
  });

  test('kept claims never override sub, name, email or groups', async () => {
    await start(() => ({ keep: { sub: 'someone-else', email: 'evil@example.com' } }));
    const { jar } = await signIn(fixture.rp);
    const caller = await principal(jar);
    expect(caller.claims).toMatchObject({ sub: USER.sub, email: USER.email });
  });

  test('false refuses the sign-in: a readable 403 page, no session', async () => {
    await start(() => false);
    const { callback } = await signIn(fixture.rp);
    const html = await expectRefusedPage(fixture.rp, callback, 403);
    expect(html).toContain('does not allow you to sign in with this account');
  });

  test('a hook that throws: a readable 500 page, no session', async () => {
    await start(() => {
      throw new Error('database down');
    });
    const { callback } = await signIn(fixture.rp);
    const html = await expectRefusedPage(fixture.rp, callback, 500);
    expect(html).not.toContain('database down');
  });

  test('a hook that throws a GatehouseError: its status and message', async () => {
    await start(async () => {
      throw new AccessDeniedError('Your organization is suspended.');
    });
    const { callback } = await signIn(fixture.rp);
    const html = await expectRefusedPage(fixture.rp, callback, 403);
    expect(html).toContain('Your organization is suspended.');
  });

  test('more than 2 KiB kept is refused (a 500 page, no session)', async () => {
    await start(() => ({ keep: { blob: 'x'.repeat(2100) } }));
    const { callback } = await signIn(fixture.rp);
    await expectRefusedPage(fixture.rp, callback, 500);
  });

  test('on a refresh with a new ID token the hook decides again: new claims, or the end of the session', async () => {
    let allow = true;
    const hook = vi.fn(({ claims }) => allow && { keep: { tenant: claims.tenant } });
    await start(hook);
    fixture.hostile.accessTokenTtl = 0;
    fixture.hostile.userClaims = { tenant: 'acme' };
    const { jar } = await signIn(fixture.rp);
    fixture.hostile.userClaims = { tenant: 'globex' };
    expect((await jar.fetch(`${fixture.rp.url}/secure-data`)).status).toBe(200);
    expect(hook).toHaveBeenCalledTimes(2);
    expect(hook.mock.calls[1]![0].refresh).toBe(true);
    const [session] = await fixture.rp.store.listBySubject(USER.sub);
    expect(session?.record.claims).toEqual({ tenant: 'globex' });
    allow = false;
    expect((await jar.fetch(`${fixture.rp.url}/secure-data`)).status).toBe(401);
    expect(fixture.rp.store.size).toBe(0);
  });
});
