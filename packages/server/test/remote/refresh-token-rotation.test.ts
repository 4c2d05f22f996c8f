/**
 * An API token comes from the session's refresh token, which the provider rotates (RFC 9700
 * 4.14.2): the hostile provider redeems each refresh token once. Whatever races the fetch of an
 * API token, the session must end up holding the newest refresh token, or the next grant
 * redeems a spent one and the user is signed out; and a rotated one nobody keeps is revoked.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { HostileProvider } from '../hostile/provider.js';
import { startRelyingParty, type RelyingParty } from '../hostile/relying-party.js';
import {
  CSRF,
  ordersApi,
  signedIn,
  startTokenUpstream,
  twoInstances,
  type TokenUpstream,
} from './token-upstream.js';

const OLD_SECRET = 'old-session-secret-'.repeat(2);
const NEW_SECRET = 'new-session-secret-'.repeat(2);

let hostile: HostileProvider;
let upstream: TokenUpstream;
beforeAll(async () => {
  hostile = await HostileProvider.start();
  upstream = await startTokenUpstream();
});
afterAll(async () => {
  await upstream.close();
  await hostile.close();
});
beforeEach(() => {
  hostile.reset();
  upstream.authorizations.length = 0;
  upstream.statuses.length = 0;
});

/** The refresh tokens the token endpoint was asked to redeem, with the `resource` of each. */
const redeemed = () =>
  hostile
    .callsTo('token')
    .filter((call) => call.form!.get('grant_type') === 'refresh_token')
    .map((call) => ({
      refreshToken: call.form!.get('refresh_token'),
      resource: call.form!.get('resource'),
    }));

describe('an API token fetch that loses its conditional write', () => {
  let instances: Awaited<ReturnType<typeof twoInstances>>;
  // The second step of a SESSION_SECRET rotation: every instance opens both secrets, each
  // seals under its own first one, so a request to B re-seals a session A just read.
  beforeEach(async () => {
    instances = await twoInstances(
      hostile,
      ordersApi(upstream),
      { sessionSecret: [OLD_SECRET, NEW_SECRET] },
      { sessionSecret: [NEW_SECRET, OLD_SECRET] },
    );
  });
  afterEach(() => instances.close());

  test('a re-seal during the fetch: the rotated refresh token is still stored, not the spent one', async () => {
    const { a, b } = instances;
    const { jar, refreshToken: signInToken } = await signedIn(hostile, a);
    const held = hostile.hold('token');
    const call = jar.fetch(`${a.url}/api/orders/items`, { headers: CSRF });
    expect((await held.reached).form!.get('refresh_token')).toBe(signInToken);
    // Meanwhile another request of the user reaches B, which re-seals the session's tokens.
    expect((await jar.fetch(`${b.url}/me`)).status).toBe(200);
    held.release();
    expect((await call).status).toBe(200);
    const rotated = hostile.issued.at(-1)!.refresh_token;
    expect(hostile.accepts(signInToken)).toBe(false);

    // The API refuses its token: the next one is redeemed with the rotated refresh token.
    upstream.statuses.push(401);
    const again = await jar.fetch(`${b.url}/api/orders/items`, { headers: CSRF });
    expect(again.status).toBe(200);
    expect(redeemed().map((grant) => grant.refreshToken)).toEqual([signInToken, rotated]);
    expect((await jar.fetch(`${a.url}/me`)).status).toBe(200);
  });

  test('a sign-out during the fetch: 401, and the refresh token rotated meanwhile is revoked', async () => {
    hostile.revocationEndpoint = true;
    const { a } = instances;
    const { jar, refreshToken: signInToken } = await signedIn(hostile, a);
    const held = hostile.hold('token');
    const call = jar.fetch(`${a.url}/api/orders/items`, { headers: CSRF });
    await held.reached;
    const logout = await jar.fetch(`${a.url}/logout`, { method: 'POST', headers: CSRF });
    expect(logout.status).toBe(200);
    held.release();
    const response = await call;
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Your session has ended. Please sign in again.',
    });
    const rotated = hostile.issued.at(-1)!.refresh_token;
    expect(rotated).not.toBe(signInToken);
    await vi.waitFor(() => expect(hostile.revokedTokens()).toContain(rotated));
    expect(hostile.accepts(rotated)).toBe(false);
    expect(instances.store.size).toBe(0);
  });
});

describe('a refresh of the session token', () => {
  let rp: RelyingParty;
  beforeEach(async () => {
    rp = await startRelyingParty(hostile, ordersApi(upstream));
  });
  afterEach(() => rp.close());

  test('keeps the API tokens; the next one comes from the refresh token it rotated', async () => {
    const { jar, refreshToken: signInToken } = await signedIn(hostile, rp);
    expect((await jar.fetch(`${rp.url}/api/orders/items`, { headers: CSRF })).status).toBe(200);
    const apiToken = upstream.authorizations.at(-1)!;
    const afterApiToken = hostile.issued.at(-1)!.refresh_token;

    // The session's own access token expires: the next request refreshes it first.
    const [session] = await rp.store.sample(1);
    await rp.store.update(session!.key, {
      ...session!.record,
      accessTokenExpiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    expect((await jar.fetch(`${rp.url}/api/orders/items`, { headers: CSRF })).status).toBe(200);
    const afterSessionRefresh = hostile.issued.at(-1)!.refresh_token;
    expect(redeemed()).toEqual([
      { refreshToken: signInToken, resource: 'api://orders' },
      { refreshToken: afterApiToken, resource: null },
    ]);
    // The same API token, still good until its own expiry: the refresh did not drop it.
    expect(upstream.authorizations.at(-1)).toBe(apiToken);

    upstream.statuses.push(401);
    expect((await jar.fetch(`${rp.url}/api/orders/items`, { headers: CSRF })).status).toBe(200);
    expect(redeemed().at(-1)).toEqual({
      refreshToken: afterSessionRefresh,
      resource: 'api://orders',
    });
    expect(upstream.authorizations.at(-1)).not.toBe(apiToken);
  });
});
