import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** How Gatehouse authenticates to the provider's token, introspection, revocation and PAR endpoints. */
export type ClientAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth';

const METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
];

/** The methods that send the client secret. */
export const SECRET_METHODS: readonly ClientAuthMethod[] = METHODS.slice(0, 2);

/** Pushed authorization requests (RFC 9126): `auto` when the provider advertises them. */
export type ParMode = 'auto' | 'on' | 'off';

export function parseClientAuth(value: ClientAuthMethod | undefined, label: string) {
  if (value === undefined) return 'client_secret_basic';
  const method = METHODS.find((candidate) => candidate === value);
  if (!method) throw new ConfigError(`${label} must be one of ${METHODS.join(', ')}, got ${value}`);
  return method;
}

export function parseParMode(value: ParMode | undefined, label: string): ParMode {
  if (value === undefined) return 'auto';
  const mode = (['auto', 'on', 'off'] as const).find((candidate) => candidate === value);
  if (!mode) throw new ConfigError(`${label} must be auto, on or off, got ${value}`);
  return mode;
}

/** A JSON Web Key as given or published: string members only. */
export type Jwk = Readonly<Record<string, string>>;

/**
 * The client's private key for `private_key_jwt`, validated: its JWS algorithm, its `kid`, the
 * private JWK (signing only; never served or logged) and the public JWK that the JWKS route
 * publishes.
 */
export interface ClientKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateJwk: Jwk;
  readonly publicJwk: Jwk;
}

/** The members a JWK's RFC 7638 thumbprint is computed over, per key type. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: Jwk): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ''] ?? [];
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The JWS algorithm for a key, or why it cannot sign a client assertion. */
function algorithmOf(key: KeyObject, wanted: string | undefined, label: string): string {
  const details = key.asymmetricKeyDetails ?? {};
  let allowed: string[] = [];
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) {
      throw new ConfigError(`${label}: an RSA key must have at least 2048 bits`);
    }
    allowed = ['RS256', 'PS256', 'RS384', 'RS512', 'PS384', 'PS512'];
  } else if (key.asymmetricKeyType === 'ec') {
    const curves: Record<string, string> = {
      prime256v1: 'ES256',
      secp384r1: 'ES384',
      secp521r1: 'ES512',
    };
    allowed = [curves[details.namedCurve ?? ''] ?? ''].filter(Boolean);
  } else if (key.asymmetricKeyType === 'ed25519') {
    allowed = ['EdDSA'];
  }
  if (allowed.length === 0) {
    throw new ConfigError(
      `${label}: a ${key.asymmetricKeyType} key cannot sign client assertions; use RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)`,
    );
  }
  if (wanted !== undefined && !allowed.includes(wanted)) {
    throw new ConfigError(`${label}: its "alg" ${wanted} does not fit the key (use ${allowed[0]})`);
  }
  return wanted ?? allowed[0]!;
}

function fromJwk(jwk: unknown, label: string): { key: KeyObject; given: Jwk } {
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw new ConfigError(`${label} must be a private JWK object, got ${typeof jwk}`);
  }
  const given = jwk as Jwk;
  if (given.kty === 'oct') {
    throw new ConfigError(
      `${label} is a symmetric key (kty oct); private_key_jwt needs an asymmetric private key`,
    );
  }
  if (typeof given.d !== 'string') {
    throw new ConfigError(
      `${label} is a public key (no "d"); give the private key, the provider gets the public one from the JWKS route`,
    );
  }
  try {
    return { key: createPrivateKey({ key: given, format: 'jwk' }), given };
  } catch (error) {
    throw new ConfigError(`${label} is not a usable private JWK: ${(error as Error).message}`);
  }
}

function fromPem(pem: string, label: string): KeyObject {
  if (/-----BEGIN (?:RSA |EC )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new ConfigError(
      `${label} is a public key or certificate; give the private key (-----BEGIN PRIVATE KEY-----)`,
    );
  }
  try {
    return createPrivateKey(pem);
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem);
    throw new ConfigError(
      encrypted
        ? `${label} is an encrypted private key; give it unencrypted (openssl pkey -in key.pem -out plain.pem)`
        : `${label} is not a readable PEM private key: ${(error as Error).message}`,
    );
  }
}

/**
 * Reads a private key given as a JWK (object or JSON text) or PEM text (PKCS#8, PKCS#1 or
 * SEC1). A public key, a symmetric key, an encrypted key or anything else is a
 * {@link ConfigError} naming `label`. The `kid` is the JWK's own, else its RFC 7638 thumbprint.
 */
export function parseClientKey(value: string | object | undefined, label: string) {
  if (value === undefined) return undefined;
  let key: KeyObject;
  let given: Jwk = {};
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ConfigError(`${label} starts with "{" but is not valid JSON`);
      }
      ({ key, given } = fromJwk(parsed, label));
    } else if (text.startsWith('-----BEGIN')) {
      key = fromPem(text, label);
    } else {
      throw new ConfigError(
        `${label} must be a private JWK (JSON) or a PEM private key (-----BEGIN PRIVATE KEY-----)`,
      );
    }
  } else {
    ({ key, given } = fromJwk(value, label));
  }
  const alg = algorithmOf(key, given.alg, label);
  const publicJwk = createPublicKey(key).export({ format: 'jwk' }) as Jwk;
  const kid = given.kid ?? jwkThumbprint(publicJwk);
  const clientKey = { alg, kid, publicJwk: Object.freeze({ ...publicJwk, kid, alg, use: 'sig' }) };
  // Not enumerable: a configuration printed or serialized whole does not show the private key.
  Object.defineProperty(clientKey, 'privateJwk', {
    value: Object.freeze(key.export({ format: 'jwk' }) as Jwk),
    enumerable: false,
  });
  return Object.freeze(clientKey as unknown as ClientKey);
}
