import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { MemoryStore, parseConfig } from '@gatehouse/server';
import { backchannelLogoutHandler } from '../src/oidc/backchannel-logout.js';
import { Sessions } from '../src/session/sessions.js';

const issuer = 'https://idp.example/oauth2/default';
const config = parseConfig({
  issuer,
  clientId: 'gatehouse-test',
  clientSecret: 'secret',
  backendUrl: 'https://api.example',
  frontendUrl: 'https://app.example',
  sessionSecret: 'b'.repeat(32),
});
const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };
let key: CryptoKey;
let otherKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  otherKey = (await generateKeyPair('RS256')).privateKey;
});

async function setup() {
  const sessions = new Sessions(new MemoryStore(), config);
  const keys = { load: async () => ({ issuer, getKey: createLocalJWKSet({ keys: [jwk] }) }) };
  const handler = backchannelLogoutHandler(config, keys, sessions, pino({ level: 'silent' }));
  const session = await sessions.start({
    user: { sub: '00u1ada' },
    tokens: { access_token: 'at' },
    accessTokenExpiresAt: 0,
    sid: 'sid-1',
  });
  const post = (token: string | undefined) =>
    handler({
      method: 'POST',
      url: '/backchannel-logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: token === undefined ? '' : `logout_token=${token}`,
    });
  const alive = async () => (await sessions.reload(session.key)) !== undefined;
  return { post, alive, sessions };
}

type Claims = Record<string, unknown>;
async function logoutToken(
  claims: Claims = {},
  { signWith = key, alg = 'RS256', kid = 'k1' } = {},
) {
  const base: Claims = {
    iss: issuer,
    aud: 'gatehouse-test',
    sub: '00u1ada',
    sid: 'sid-1',
    events: EVENT,
    jti: crypto.randomUUID(),
  };
  const payload = Object.fromEntries(
    Object.entries({ ...base, ...claims }).filter(([, v]) => v !== undefined),
  );
  return new SignJWT(payload as Claims)
    .setProtectedHeader({ alg, kid, typ: 'logout+jwt' })
    .setIssuedAt((claims.iat as number | undefined) ?? Math.floor(Date.now() / 1000))
    .sign(signWith);
}

describe('back-channel logout', () => {
  test('a valid logout token ends the matching sessions: 200 with no-store', async () => {
    const { post, alive } = await setup();
    const response = await post(await logoutToken());
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(await alive()).toBe(false);
  });

  test('by sub alone, every session of the user ends', async () => {
    const { post, alive } = await setup();
    expect((await post(await logoutToken({ sid: undefined }))).status).toBe(200);
    expect(await alive()).toBe(false);
  });

  const refused: Array<[string, () => Promise<string | undefined>]> = [
    ['no logout_token at all', async () => undefined],
    [
      'a token signed by a key the provider does not publish (forgery)',
      () => logoutToken({}, { signWith: otherKey }),
    ],
    [
      'alg none',
      async () =>
        `${b64({ alg: 'none', kid: 'k1' })}.${b64({ iss: issuer, aud: 'gatehouse-test', sub: '00u1ada', events: EVENT, iat: now(), jti: 'x' })}.`,
    ],
    [
      'another issuer (token from another provider)',
      () => logoutToken({ iss: 'https://evil.example' }),
    ],
    [
      'another audience (a token meant for another client)',
      () => logoutToken({ aud: 'other-client' }),
    ],
    [
      'no events claim (an ID token replayed as a logout token)',
      () => logoutToken({ events: undefined }),
    ],
    ['a nonce (an ID token replayed as a logout token)', () => logoutToken({ nonce: 'n' })],
    ['neither sid nor sub', () => logoutToken({ sid: undefined, sub: undefined })],
    ['iat an hour ago (a stale token replayed)', () => logoutToken({ iat: now() - 3600 })],
    ['no jti', () => logoutToken({ jti: undefined })],
  ];
  test.each(refused)('refuses %s with 400 and keeps the session', async (_name, make) => {
    const { post, alive } = await setup();
    const response = await post(await make());
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body!).error).toBe('invalid_request');
    expect(await alive()).toBe(true);
  });

  test('a replayed jti is refused (replay of a captured logout token)', async () => {
    const { post, sessions } = await setup();
    const token = await logoutToken({ sub: '00u2sam', sid: undefined });
    expect((await post(token)).status).toBe(200);
    await sessions.start({
      user: { sub: '00u2sam' },
      tokens: { access_token: 'at' },
      accessTokenExpiresAt: 0,
    });
    expect((await post(token)).status).toBe(400);
    expect(await sessions.listBySubject('00u2sam')).toHaveLength(1);
  });

  describe('the jti record outlives every moment the token is accepted', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    test.each([
      // The token's own exp is the limit: just past it, still within the clock tolerance.
      ['with exp 60 s after iat: replayed just past exp, within the tolerance', 60],
      // No exp: max age (5 minutes) plus the tolerance is the limit, to the last second.
      ['without exp: replayed in the last second of max age + tolerance', undefined],
    ])('%s is refused', async (_name, lifetime) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const iat = 1_900_000_000;
      const at = (seconds: number) => vi.setSystemTime(seconds * 1000);
      at(iat);
      const { post, sessions } = await setup();
      const claims = {
        iat,
        ...(lifetime !== undefined && { exp: iat + lifetime }),
        sid: undefined,
      };
      const token = await logoutToken({ ...claims, sub: '00u2sam' });
      expect((await post(token)).status).toBe(200);
      await sessions.start({
        user: { sub: '00u2sam' },
        tokens: { access_token: 'at' },
        accessTokenExpiresAt: 0,
      });

      // The last instant the token itself is still accepted (jose counts whole seconds).
      at(
        lifetime !== undefined
          ? iat + lifetime + config.clockTolerance - 0.001
          : iat + 300 + config.clockTolerance + 0.999,
      );
      expect((await post(token)).status).toBe(400);
      expect(await sessions.listBySubject('00u2sam')).toHaveLength(1);
      // Refused for its jti alone: a token with the same times and a new jti still passes.
      expect((await post(await logoutToken({ ...claims, sub: '00u3kim' }))).status).toBe(200);
    });
  });
});

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
