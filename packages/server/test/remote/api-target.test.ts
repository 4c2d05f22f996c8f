/**
 * An API's token must be asked for a named target: an API with none would get the app's own
 * access token (audience api://default), which the backend itself accepts as a Bearer token, so
 * the API could call the BFF as the user. Refused at startup unless `useSessionToken: true`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, parseConfig, type GatehouseOptions } from '@gatehouse/server';
import { baseOptions, configFromEnv } from '../support/config-fixture.js';
import { HostileProvider } from '../hostile/provider.js';
import { startRelyingParty, type RelyingParty } from '../hostile/relying-party.js';
import { CSRF, signedIn, startTokenUpstream, type TokenUpstream } from './token-upstream.js';

const ORDERS = { path: '/api/orders', upstream: 'http://orders.internal:7158' };

const fromEnv = (apis: unknown[]) => configFromEnv({ REMOTE_APIS: JSON.stringify(apis) });
const fromOptions = (apis: unknown[]) =>
  parseConfig({ ...baseOptions, remoteApis: apis as GatehouseOptions['remoteApis'] });

describe('an API token without a target is refused at startup', () => {
  test('REMOTE_APIS with no resource, audience or scopes: the app token would be a key to the BFF', () => {
    expect(() => fromEnv([ORDERS])).toThrow(ConfigError);
    expect(() => fromEnv([ORDERS])).toThrow(
      new ConfigError(
        "REMOTE_APIS /api/orders: set resource, audience or scopes, or useSessionToken: true to forward the app's own access token on purpose",
      ),
    );
  });

  test('remoteApis option: empty targets count as none', () => {
    for (const empty of [{}, { resource: '' }, { scopes: [] }, { audience: '', scopes: '' }]) {
      expect(() => fromOptions([{ ...ORDERS, ...empty }])).toThrow(
        "remoteApis /api/orders: set resource, audience or scopes, or useSessionToken: true to forward the app's own access token on purpose",
      );
    }
  });

  test('useSessionToken beside a target is refused: which token is meant cannot be told', () => {
    expect(() => fromEnv([{ ...ORDERS, resource: 'api://orders', useSessionToken: true }])).toThrow(
      "REMOTE_APIS /api/orders: useSessionToken: true sends the app's own access token, so resource, audience and scopes must not be set",
    );
  });

  test('useSessionToken must be a boolean', () => {
    expect(() => fromEnv([{ ...ORDERS, useSessionToken: 'yes' }])).toThrow(
      'REMOTE_APIS /api/orders: useSessionToken must be true or false',
    );
  });

  test('a target or the explicit opt-in is accepted', () => {
    const [byResource, byAudience, byScopes, own] = fromEnv([
      { ...ORDERS, resource: 'api://orders' },
      { path: '/api/a', upstream: ORDERS.upstream, audience: 'https://a.example.com' },
      { path: '/api/b', upstream: ORDERS.upstream, scopes: ['b:read'] },
      { path: '/api/app', upstream: ORDERS.upstream, useSessionToken: true },
    ]).remoteApis;
    expect(byResource).toMatchObject({ resource: 'api://orders', useSessionToken: false });
    expect(byAudience).toMatchObject({ audience: 'https://a.example.com' });
    expect(byScopes).toMatchObject({ scopes: 'b:read' });
    expect(own).toMatchObject({
      resource: undefined,
      audience: undefined,
      scopes: undefined,
      useSessionToken: true,
    });
  });
});

describe('useSessionToken: true', () => {
  let hostile: HostileProvider;
  let upstream: TokenUpstream;
  let rp: RelyingParty;
  beforeAll(async () => {
    hostile = await HostileProvider.start();
    upstream = await startTokenUpstream();
    rp = await startRelyingParty(hostile, {
      remoteApis: [{ path: '/api/app', upstream: upstream.url, useSessionToken: true }],
    });
  });
  afterAll(async () => {
    await rp?.close();
    await upstream?.close();
    await hostile?.close();
  });

  test('forwards the session access token on purpose, with no token request of its own', async () => {
    const { jar } = await signedIn(hostile, rp);
    const response = await jar.fetch(`${rp.url}/api/app/x`, { headers: CSRF });
    expect(response.status).toBe(200);
    expect(upstream.authorizations).toEqual([`Bearer ${hostile.issued[0]!.access_token}`]);
    expect(hostile.callsTo('token').map((call) => call.form!.get('grant_type'))).toEqual([
      'authorization_code',
    ]);
  });
});
