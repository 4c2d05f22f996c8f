import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** The private signing keys (newest first) and the cookie-signing keys of one dev IdP. */
export interface DevIdpKeys {
  keys: JWK[];
  cookie_keys: string[];
}

/**
 * Where keys live when `keysFile` is not given: `.gatehouse/dev-idp-keys.json` under `dir`
 * (the working directory), never inside the package, which is `node_modules` once installed.
 */
export function defaultKeysFile(dir = process.cwd()): string {
  return resolve(dir, '.gatehouse', 'dev-idp-keys.json');
}

/** Old signing keys kept published after rotations, so tokens they signed still verify. */
const KEPT_KEYS = 3;

/** A new RS256 signing key with a thumbprint `kid`, as a private JWK. */
async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

/**
 * Reads the keys file, or creates it (folder too, mode 0600) on first start. With `file`
 * false the keys live in memory only, which tests want.
 */
export async function loadOrCreateKeys(file: string | false): Promise<DevIdpKeys> {
  if (file) {
    const saved = await readKeys(file);
    if (saved) return saved;
  }
  const keys: DevIdpKeys = {
    keys: [await generateSigningKey()],
    cookie_keys: [randomBytes(32).toString('base64url')],
  };
  if (file) await saveKeys(file, keys);
  return keys;
}

/** A new signing key first, the previous ones kept (up to {@link KEPT_KEYS}) and saved. */
export async function rotateSigningKeys(
  current: DevIdpKeys,
  file: string | false,
): Promise<DevIdpKeys> {
  const next = {
    keys: [await generateSigningKey(), ...current.keys].slice(0, KEPT_KEYS + 1),
    cookie_keys: current.cookie_keys,
  };
  if (file) await saveKeys(file, next);
  return next;
}

async function readKeys(file: string): Promise<DevIdpKeys | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<DevIdpKeys>;
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0 || !parsed.keys.every(isPrivate)) {
    throw new Error(
      `${file} is not a dev IdP key file (no private "keys"); delete it to start over`,
    );
  }
  const cookieKeys = Array.isArray(parsed.cookie_keys) ? parsed.cookie_keys : [];
  return {
    keys: parsed.keys,
    cookie_keys: cookieKeys.length ? cookieKeys : [randomBytes(32).toString('base64url')],
  };
}

function isPrivate(jwk: JWK): boolean {
  return typeof jwk?.kid === 'string' && typeof jwk.d === 'string';
}

async function saveKeys(file: string, keys: DevIdpKeys): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Write then rename, so a crash never leaves half a key file behind.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
  await chmod(file, 0o600);
}

/** The public halves of the signing keys, as published at `/v1/keys`. */
export function publicJwks(keys: DevIdpKeys): { keys: JWK[] } {
  return {
    keys: keys.keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })),
  };
}
