import { defaultUsers, type DevIdp } from '@gatehouse/dev-idp';
import { CookieJar, signIn, signOut } from '@gatehouse/dev-idp/testing';
import { channels } from '@gatehouse/server';
import * as client from 'openid-client';
import { expect, test } from 'vitest';
import { bearer, CLI } from '../bearer/support.js';
import { ADA, setCookie, signInThroughBackend } from '../support/stack.js';
import { expectError, expectPage } from './expect.js';
import {
  FOREIGN_ORIGIN,
  FRONTEND_URL,
  SECOND_FRONTEND_URL,
  world,
  worldClients,
  type Start,
  type World,
} from './suite.js';

/** The second provider's id: the dev IdP's tenant `acme`, at `/oauth2/acme`. */
const ACME = 'acme';
/** The audience Gatehouse expects of acme's access tokens (the default keeps `api://default`). */
const ACME_AUDIENCE = 'api://orders';
const DEFAULT_AUDIENCE = 'api://default';
type ProviderId = 'default' | typeof ACME;

/**
 * The same users at acme, same ids (so the same `sub`), emails and passwords: two users all the
 * same, told apart only by the name acme gives them.
 */
const acmeTwins = () => defaultUsers().map((user) => ({ ...user, name: `${user.name} (Acme)` }));
const NAMES = { default: 'Ada Lovelace', acme: 'Ada Lovelace (Acme)' };

/** Gatehouse's warnings and errors among its log lines. */
const warnings = (lines: string[]) =>
  lines
    .map((line) => JSON.parse(line) as { level: number; detail?: string })
    .filter((entry) => entry.level >= 40);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One dev IdP with two tenants, `default` and `acme`, each the backend's provider (acme through
 * `providers`, with its own audience), each registering the backend's back-channel logout
 * (the `sub` alone, no `sid`), and two front ends. Access tokens live 2 s: a request after
 * that refreshes.
 */
export function twoProviderWorld(start: Start): World {
  return world(
    start,
    (backendUrl) => {
      const [web, cli] = worldClients(backendUrl);
      const backchannel = {
        backchannel_logout_uri: `${backendUrl}/backchannel-logout`,
        backchannel_logout_session_required: false,
      };
      return {
        accessTokenTtl: 2,
        clients: [{ ...web, ...backchannel }, cli],
        tenants: [{ id: ACME, users: acmeTwins() }],
      };
    },
    (idp) => ({
      frontendUrl: `${FRONTEND_URL},${SECOND_FRONTEND_URL}`,
      providers: [
        {
          id: ACME,
          issuer: issuerOf(idp, ACME),
          clientId: 'gatehouse-test',
          clientSecret: 'gatehouse-test-secret',
          audience: ACME_AUDIENCE,
          displayName: 'Acme',
        },
      ],
    }),
  );
}

function issuerOf(idp: DevIdp, id: ProviderId): string {
  return id === 'default' ? idp.issuer : idp.tenants.find((tenant) => tenant.id === id)!.issuer;
}

/** An access token of the CLI client at `issuer`, for `resource` (RFC 8707). */
async function clientToken(issuer: string, resource: string): Promise<string> {
  const cli = await client.discovery(new URL(issuer), CLI.client_id, CLI.client_secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  return (await client.clientCredentialsGrant(cli, { scope: 'api', resource })).access_token;
}

/**
 * With two providers (docs/tenants.md), each adapter signs in at each, and keeps them apart: a
 * transaction, a session, a Bearer token and a logout token belong to one provider only. With
 * two front ends, each is served with its own grant and returned to.
 */
export function twoProviderCases(world: World): void {
  const url = (path: string) => `${world.backend.url}${path}`;
  const issuer = (id: ProviderId) => issuerOf(world.idp, id);
  const SECOND = SECOND_FRONTEND_URL;

  /** A new browser signed in at provider `id` through the backend. */
  async function signedInAt(id: ProviderId): Promise<CookieJar> {
    const jar = new CookieJar();
    const callback = await signInThroughBackend(
      { backend: world.backend, jar },
      { query: `?provider=${id}` },
    );
    expect(callback.status).toBe(302);
    return jar;
  }
  async function userOf(jar: CookieJar): Promise<{ sub: string; name: string; iss: string }> {
    const me = await jar.fetch(url('/me'));
    return ((await me.json()) as { user: { sub: string; name: string; iss: string } }).user;
  }
  const nameOf = async (jar: CookieJar) => (await userOf(jar)).name;

  test('/login alone is the page to choose a provider, linking to each, and starts no sign-in', async () => {
    const response = await fetch(url('/login?returnTo=%2Forders'), { redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(setCookie(response, 'gatehouse-tx')).toBeUndefined();
    const html = await response.text();
    expect(html).toContain('href="?returnTo=%2Forders&#38;provider=default"');
    expect(html).toContain('href="?returnTo=%2Forders&#38;provider=acme"');
    expect(html).toContain('Acme');
  });

  test.each<ProviderId>(['default', ACME])(
    'sign-in at %s: /login?provider= goes to its issuer, and back with a session of its user',
    async (id) => {
      const jar = new CookieJar();
      const login = await jar.fetch(url(`/login?provider=${id}&returnTo=/orders`));
      expect(login.status).toBe(302);
      const authorize = new URL(login.headers.get('location')!);
      expect(`${authorize.origin}${authorize.pathname}`).toBe(`${issuer(id)}/v1/authorize`);
      expect(authorize.searchParams.has('provider')).toBe(false);
      const callback = await jar.fetch(await signIn(authorize, ADA, jar));
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe(`${FRONTEND_URL}/orders`);
      expect(await userOf(jar)).toMatchObject({ name: NAMES[id], iss: issuer(id) });
    },
  );

  test('mix-up: acme’s authorization response to a sign-in started at default is refused, no session, and acme’s code stays unredeemed (RFC 9207)', async () => {
    const jar = new CookieJar();
    const atDefault = await jar.fetch(url('/login?provider=default'));
    const defaultState = new URL(atDefault.headers.get('location')!).searchParams.get('state')!;
    const atAcme = await jar.fetch(url(`/login?provider=${ACME}`));
    const acmeAnswer = new URL(await signIn(atAcme.headers.get('location')!, ADA, jar));
    expect(acmeAnswer.searchParams.get('iss')).toBe(issuer(ACME));
    const mixedUp = new URL(acmeAnswer);
    mixedUp.searchParams.set('state', defaultState);
    const logged = world.log.length;
    const refused = await jar.fetch(mixedUp);
    expect(setCookie(refused, 'gatehouse')).toBeUndefined();
    await expectPage(refused, 401, 'Sign-in did not complete');
    expect(warnings(world.log.slice(logged)).at(-1)?.detail).toContain(
      'unexpected "iss" (issuer) response parameter value',
    );
    expect((await jar.fetch(url('/me'))).status).toBe(401);
    // A code is redeemed once: acme's own transaction completing with it shows none was tried.
    const genuine = await jar.fetch(acmeAnswer);
    expect(genuine.status).toBe(302);
    expect(await nameOf(jar)).toBe(NAMES.acme);
  });

  test('refresh: a session at acme renews its access token at acme, whose refresh token default does not know', async () => {
    const jar = await signedInAt(ACME);
    const refreshes: boolean[] = [];
    const record = (message: unknown) => void refreshes.push((message as { ok: boolean }).ok);
    channels.refresh.subscribe(record);
    try {
      await sleep(2100); // the access tokens live 2 s here
      expect((await jar.fetch(url('/secure-data'))).status).toBe(200);
      expect(refreshes).toEqual([true]);
      expect(await nameOf(jar)).toBe(NAMES.acme);
    } finally {
      channels.refresh.unsubscribe(record);
    }
  });

  test.each<[ProviderId, 'first' | 'second']>([
    ['default', 'first'],
    [ACME, 'second'],
  ])(
    'sign-out: a session at %s ends at its own end-session endpoint and returns to the %s front end',
    async (id, which) => {
      const frontend = which === 'first' ? FRONTEND_URL : SECOND;
      const jar = await signedInAt(id);
      const logout = await jar.fetch(url('/logout'), {
        method: 'POST',
        headers: { 'x-csrf': '1', origin: frontend },
      });
      expect(logout.status).toBe(200);
      expect(logout.headers.get('access-control-allow-origin')).toBe(frontend);
      const { endSessionUrl } = (await logout.json()) as { endSessionUrl: string };
      const end = new URL(endSessionUrl);
      expect(`${end.origin}${end.pathname}`).toBe(`${issuer(id)}/v1/logout`);
      expect(end.searchParams.get('post_logout_redirect_uri')).toBe(frontend);
      // Its own provider takes its id_token_hint and sends the browser back.
      expect(await signOut(endSessionUrl, jar)).toBe(`${frontend}/`);
      expect((await jar.fetch(url('/me'))).status).toBe(401);
    },
  );

  test('back-channel logout: acme signing the user out ends their acme session, not the same sub’s session at default', async () => {
    const atDefault = await signedInAt('default');
    const atAcme = await signedInAt(ACME);
    const [ofDefault, ofAcme] = [await userOf(atDefault), await userOf(atAcme)];
    expect(ofAcme).toEqual({ ...ofDefault, name: NAMES.acme, iss: issuer(ACME) });
    // The user signs out at acme itself: acme posts a logout token naming the sub only.
    await signOut(`${issuer(ACME)}/v1/logout`, atAcme);
    await expectError(await atAcme.fetch(url('/me')), 401, 'invalid_token');
    expect(await nameOf(atDefault)).toBe(NAMES.default);
  });

  test('Bearer: each provider’s token is let in with its own audience; one for the other’s audience is 401 (tokens never cross)', async () => {
    const cases: [ProviderId, string, number][] = [
      ['default', DEFAULT_AUDIENCE, 200],
      [ACME, ACME_AUDIENCE, 200],
      ['default', ACME_AUDIENCE, 401],
      [ACME, DEFAULT_AUDIENCE, 401],
    ];
    for (const [id, audience, status] of cases) {
      const token = await clientToken(issuer(id), audience);
      const response = await fetch(url('/secure-data'), { headers: bearer(token) });
      if (status === 401) await expectError(response, 401, 'invalid_token');
      else expect(response.status, `${id}'s token for ${audience}`).toBe(200);
    }
  });

  test('CSRF and CORS: a session at acme is served to both front ends, each with its own grant; a foreign origin is 403', async () => {
    const jar = await signedInAt(ACME);
    for (const origin of [FRONTEND_URL, SECOND]) {
      const response = await jar.fetch(url('/secure-data'), {
        method: 'POST',
        headers: { 'x-csrf': '1', origin },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(await response.json()).toEqual({ changed: true });
    }
    const foreign = await jar.fetch(url('/secure-data'), {
      method: 'POST',
      headers: { 'x-csrf': '1', origin: FOREIGN_ORIGIN },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    await expectError(foreign, 403, 'access_denied');
  });

  test('popup: a sign-in at acme started from the second front end posts to it, and to no other', async () => {
    const callback = await signInThroughBackend(
      { backend: world.backend, jar: new CookieJar() },
      { query: `?provider=${ACME}&popup=1`, headers: { referer: `${SECOND}/` } },
    );
    expect(callback.status).toBe(200);
    const html = await callback.text();
    expect(html).toContain(`postMessage(d,"${SECOND}")`);
    expect(html).not.toContain(FRONTEND_URL);
    expect(html).not.toMatch(/ey[\w-]+\.ey/);
  });

  test('no log line says "unexpected error", and every provider’s logout token was accepted', () => {
    expect(world.log.filter((line) => line.includes('unexpected error'))).toEqual([]);
    expect(world.log.filter((line) => line.includes('back-channel logout refused'))).toEqual([]);
    expect(world.log.some((line) => line.includes('"back-channel logout"'))).toBe(true);
  });
}
