import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { parseClientKey } from './client-auth.js';
import type { GatehouseOptions } from './options.js';
import { isLocalDevelopment, type OptionNames } from './parse.js';

let devKey: string | undefined;

/** A file a setting names, as text; a {@link ConfigError} naming the setting when unreadable. */
export function readConfigFile(file: string, label: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${label}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** One EC P-256 key per process, for private_key_jwt in local development without a key. */
function devClientKey(): string {
  if (!devKey) {
    process.emitWarning(
      'CLIENT_PRIVATE_KEY is not set: private_key_jwt signs with a key generated for this process (published at the JWKS route). Set CLIENT_PRIVATE_KEY or CLIENT_PRIVATE_KEY_FILE outside local development.',
      { code: 'GATEHOUSE_DEV_CLIENT_KEY' },
    );
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    devKey = JSON.stringify(privateKey.export({ format: 'jwk' }));
  }
  return devKey;
}

/**
 * The options `createGatehouse` parses, with the private key of `private_key_jwt` in
 * `clientPrivateKey`: read from `clientPrivateKeyFile`, or, in local development without
 * either, generated for this process. Kept out of `parseConfig`, which reads no file.
 */
export function withClientKey(options: GatehouseOptions, names: OptionNames = {}) {
  const file = options.clientPrivateKeyFile?.trim();
  if (file) {
    const fileName = names.clientPrivateKeyFile ?? 'clientPrivateKeyFile';
    if (options.clientPrivateKey !== undefined) {
      throw new ConfigError(
        `Set ${names.clientPrivateKey ?? 'clientPrivateKey'} or ${fileName}, not both`,
      );
    }
    const text = readConfigFile(file, fileName);
    parseClientKey(text, `${fileName} (${file})`);
    return { ...options, clientPrivateKey: text, clientPrivateKeyFile: undefined };
  }
  const method = options.clientAuth?.trim().toLowerCase();
  if (
    method === 'private_key_jwt' &&
    options.clientPrivateKey === undefined &&
    isLocalDevelopment(options)
  ) {
    return { ...options, clientPrivateKey: devClientKey() };
  }
  return options;
}
