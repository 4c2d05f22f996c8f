import { describe, expect, test } from 'vitest';
import { newSessionId, openTokens, sealTokens, sessionKeyOf } from '../src/session/crypto.js';
import { readCookie, serializeCookie } from '../src/session/cookie.js';

const key = Buffer.alloc(32, 7);
const tokens = { access_token: 'at.secret', refresh_token: 'rt.secret', id_token: 'id.secret' };

describe('tokens at rest', () => {
  test('are encrypted: the ciphertext holds no token text', () => {
    const sealed = Buffer.from(sealTokens(tokens, key, 'k1'));
    expect(sealed.toString('latin1')).not.toContain('secret');
    expect(openTokens(sealed, key, 'k1')).toEqual(tokens);
  });

  test('moved to another session, they do not decrypt (store tampering)', () => {
    expect(() => openTokens(sealTokens(tokens, key, 'k1'), key, 'k2')).toThrow();
  });

  test('altered by one bit, they do not decrypt', () => {
    const sealed = Buffer.from(sealTokens(tokens, key, 'k1'));
    sealed[sealed.length - 1]! ^= 1;
    expect(() => openTokens(sealed, key, 'k1')).toThrow();
  });

  test('sealed under another SESSION_SECRET, they do not decrypt', () => {
    expect(() => openTokens(sealTokens(tokens, key, 'k1'), Buffer.alloc(32, 8), 'k1')).toThrow();
  });
});

describe('session ids', () => {
  test('carry 256 random bits and are stored only as a hash', () => {
    const id = newSessionId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionId()).not.toBe(id);
    expect(sessionKeyOf(id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessionKeyOf(id)).not.toBe(id);
  });

  test('a value that cannot be an id is not looked up', () => {
    expect(sessionKeyOf('short')).toBeUndefined();
    expect(sessionKeyOf('x'.repeat(43) + ';')).toBeUndefined();
  });
});

describe('cookies', () => {
  test('read one cookie among several', () => {
    expect(readCookie('a=1; gatehouse=abc; gatehouse-tx=zzz', 'gatehouse')).toBe('abc');
    expect(readCookie('gatehouse-tx=zzz', 'gatehouse')).toBeUndefined();
    expect(readCookie(undefined, 'gatehouse')).toBeUndefined();
  });

  test('are HttpOnly, SameSite=Lax, Path=/ and Secure when asked', () => {
    expect(serializeCookie('__Host-gatehouse', 'v', { maxAge: 60, secure: true })).toBe(
      '__Host-gatehouse=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure',
    );
  });

  test('the session cookie stays under 200 bytes', () => {
    expect(
      serializeCookie('__Host-gatehouse', newSessionId(), { maxAge: 43200, secure: true }).length,
    ).toBeLessThan(200);
  });
});
