/**
 * Opaque Bearer tokens with several providers: the dev IdP's two tenants issue opaque tokens,
 * and each is introspected only at the provider the caller names (`Gatehouse-Provider`), with
 * that provider's own client credentials; never sent to, nor accepted by, another.
 */
import { type DevIdp } from '@gatehouse/dev-idp';
import { createGatehouse, isGatehouseError, type Gatehouse } from '@gatehouse/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { cliToken, testClients, testOptions } from '../bearer/support.js';
import { startTestIdp } from '../support/stack.js';

let idp: DevIdp;
let acmeIssuer: string;
let gatehouse: Gatehouse;
let introspected: string[];

beforeAll(async () => {
  idp = await startTestIdp({
    accessTokenFormat: 'opaque',
    clients: testClients(),
    // Acme's own registration of the backend: another secret than the default tenant's.
    tenants: [
      {
        id: 'acme',
        clients: [
          ...testClients().filter((one) => one.client_id !== 'gatehouse-test'),
          {
            client_id: 'acme-api',
            client_secret: 'acme-api-secret',
            token_endpoint_auth_method: 'client_secret_post',
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
          },
        ],
      },
    ],
  });
  acmeIssuer = idp.tenants[0]!.issuer;
});
afterAll(() => idp?.close());

function start(acme: Record<string, unknown> = {}) {
  gatehouse = createGatehouse(
    testOptions({
      issuer: idp.issuer,
      accessTokenIntrospection: 'on',
      providers: [
        {
          id: 'acme',
          issuer: acmeIssuer,
          clientId: 'acme-api',
          clientSecret: 'acme-api-secret',
          clientAuth: 'client_secret_post',
          ...acme,
        },
      ],
    }),
  );
}

beforeEach(() => {
  introspected = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith('/v1/introspect')) introspected.push(url.slice(0, -'/v1/introspect'.length));
    return realFetch(input, init);
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await gatehouse?.close();
});

const call = (token: string, provider?: string) =>
  gatehouse.authenticate({
    method: 'GET',
    url: '/app',
    headers: {
      authorization: `Bearer ${token}`,
      ...(provider !== undefined && { 'gatehouse-provider': provider }),
    },
  });

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(isGatehouseError(error)).toBe(true);
  return error as { status: number; description: string };
}

describe('opaque tokens, introspected per provider', () => {
  test('Acme’s token named as Acme’s is introspected at Acme only, with Acme’s client, and is Acme’s user', async () => {
    start();
    const token = await cliToken(acmeIssuer);
    expect(token).not.toContain('.');
    const principal = await call(token, 'acme');
    expect(principal.provider).toBe('acme');
    expect(principal.user.iss).toBe(acmeIssuer);
    expect(introspected).toEqual([acmeIssuer]);
  });

  test('the default provider’s token is introspected at the default only', async () => {
    start();
    const principal = await call(await cliToken(idp.issuer), 'default');
    expect(principal.provider).toBe('default');
    expect(principal.user.iss).toBe(idp.issuer);
    expect(introspected).toEqual([idp.issuer]);
  });

  test('a token with no provider named is refused, and sent to no provider (token leak to another tenant)', async () => {
    start();
    const error = await refusal(call(await cliToken(acmeIssuer)));
    expect(error.status).toBe(401);
    expect(error.description).toContain('Gatehouse-Provider');
    expect(introspected).toEqual([]);
  });

  test('Acme’s token named as the default’s is refused: never accepted across providers', async () => {
    start();
    const token = await cliToken(acmeIssuer);
    expect((await refusal(call(token, 'default'))).status).toBe(401);
    expect(introspected).toEqual([idp.issuer]);
    // Accepted at its own provider all the same, as Acme's.
    expect((await call(token, 'acme')).provider).toBe('acme');
  });

  test('an unknown provider named: 401, no provider asked', async () => {
    start();
    expect((await refusal(call(await cliToken(acmeIssuer), 'globex'))).status).toBe(401);
    expect(introspected).toEqual([]);
  });

  test('a provider with accessTokenIntrospection off refuses opaque tokens without asking', async () => {
    start({ accessTokenIntrospection: 'off' });
    expect((await refusal(call(await cliToken(acmeIssuer), 'acme'))).status).toBe(401);
    expect(introspected).toEqual([]);
  });

  test('a provider’s wrong client secret fails at that provider and not at the other', async () => {
    start({ clientSecret: 'not-acme-api-secret' });
    await refusal(call(await cliToken(acmeIssuer), 'acme'));
    expect((await call(await cliToken(idp.issuer), 'default')).provider).toBe('default');
  });
});
