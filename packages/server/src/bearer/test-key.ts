import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import type { Config } from '../config/parse.js';
import type { IssuerKeys } from './keys.js';

/** The `kid` of tokens signed by `signTestToken` (`@gatehouse/server/testing`). */
export const TEST_KEY_ID = 'gatehouse-test-key';
/** Their algorithm: Ed25519, whatever `accessTokenAlgorithms` allows for the provider's keys. */
export const TEST_KEY_ALGORITHM = 'EdDSA';

/** PKCS #8 DER of an Ed25519 private key, before its 32-byte seed (RFC 8410 7). */
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Whether this configuration trusts test tokens: `trustTestTokens` set, and never with
 * NODE_ENV=production (parseConfig refuses the pair; this holds even if the variable changed).
 */
export function trustsTestTokens(config: Config): boolean {
  return config.trustTestTokens && process.env.NODE_ENV !== 'production';
}

/**
 * The test key pair, derived from the current SESSION_SECRET's token key: the test process and
 * the server under test share it without another secret, and it is unknown to anyone who does
 * not know SESSION_SECRET.
 */
export function testKeyPair(config: Config): { privateKey: KeyObject; publicKey: KeyObject } {
  const seed = Buffer.from(
    hkdfSync('sha256', config.keys.tokens[0]!.key, 'gatehouse', 'gatehouse test token key v1', 32),
  );
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The issuer test tokens carry: the configured one, so no discovery is needed to check them. */
export function testIssuer(config: Config): string {
  return config.issuer.href;
}

/** The test key as the keys of a Bearer JWT; undefined when the configuration does not trust it. */
export function testIssuerKeys(config: Config): IssuerKeys | undefined {
  if (!trustsTestTokens(config)) return undefined;
  const { publicKey } = testKeyPair(config);
  return Object.freeze({ issuer: testIssuer(config), getKey: async () => publicKey });
}

/** Whether a compact JWS names the test key (a header that does not decode does not). */
export function namesTestKey(token: string): boolean {
  try {
    return decodeProtectedHeader(token).kid === TEST_KEY_ID;
  } catch {
    return false;
  }
}
