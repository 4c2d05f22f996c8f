import { generateKeyPairSync } from 'node:crypto';
import { createGatehouse, type GatehouseOptions } from '@gatehouse/server';
import { afterEach, describe, expect, test } from 'vitest';
import { PRIVATE_MEMBERS } from './support.js';

const BASE: GatehouseOptions = {
  issuer: 'https://idp.example.com/oauth2/default',
  clientId: 'client',
  backendUrl: 'https://api.example.com',
  frontendUrl: 'https://app.example.com',
  sessionSecret: 'x'.repeat(32),
};

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((gatehouse) => gatehouse.close()));
});

function start(options: Partial<GatehouseOptions>) {
  const gatehouse = createGatehouse({ ...BASE, ...options } as GatehouseOptions);
  opened.push(gatehouse);
  return gatehouse;
}

const get = (gatehouse: ReturnType<typeof start>, url = '/.well-known/jwks.json') =>
  gatehouse.handle({ method: 'GET', url, headers: {} });

const KEYS = {
  RSA: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  EC: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  Ed25519: generateKeyPairSync('ed25519').privateKey,
};

describe('the JWKS route', () => {
  test.each(Object.entries(KEYS))(
    'serves the public half of a %s key, never a private member (key disclosure)',
    async (_type, key) => {
      const given = key.export({ format: 'jwk' });
      const gatehouse = start({
        clientAuth: 'private_key_jwt',
        clientPrivateKey: { ...given, kid: 'k1' },
      });
      const response = await get(gatehouse);
      expect(response?.status).toBe(200);
      expect(response?.headers['content-type']).toBe('application/jwk-set+json');
      const { keys } = JSON.parse(String(response?.body));
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({
        kid: 'k1',
        use: 'sig',
        alg: gatehouse.config.clientKey?.alg,
      });
      for (const member of PRIVATE_MEMBERS) expect(keys[0]).not.toHaveProperty(member);
      // The served body holds none of the private values, whatever the member name.
      for (const [name, value] of Object.entries(given)) {
        if (PRIVATE_MEMBERS.includes(name)) expect(String(response?.body)).not.toContain(value);
      }
    },
  );

  test('is in the route table only with private_key_jwt', async () => {
    const secret = start({ clientSecret: 'secret' });
    expect(secret.routes.some((route) => route.name === 'jwks')).toBe(false);
    expect(await get(secret)).toBeUndefined();
    const signed = start({
      clientAuth: 'private_key_jwt',
      clientPrivateKey: KEYS.EC.export({ format: 'jwk' }),
    });
    expect(signed.routes.find((route) => route.name === 'jwks')).toMatchObject({
      method: 'GET',
      path: '/.well-known/jwks.json',
    });
  });

  test('follows routes.jwks', async () => {
    const gatehouse = start({
      clientAuth: 'private_key_jwt',
      clientPrivateKey: KEYS.EC.export({ format: 'jwk' }),
      routes: { jwks: '/keys' },
    });
    expect((await get(gatehouse, '/keys'))?.status).toBe(200);
    expect(await get(gatehouse)).toBeUndefined();
  });
});
