import { ConfigError } from '../errors.js';
import { SECRET_METHODS, type ClientAuthMethod, type ClientKey } from './client-auth.js';
import type { GatehouseOptions } from './options.js';
import { SETTINGS } from './settings.js';

/** What the chosen client authentication method needs, and nothing it does not. */
export interface ClientCredentials {
  readonly clientAuth: ClientAuthMethod;
  readonly clientSecret: string | undefined;
  readonly clientKey: ClientKey | undefined;
  readonly clientCertificate: Readonly<{ certificateFile: string; keyFile: string }> | undefined;
}

/**
 * The cross-setting checks of `clientAuth`: a secret for the secret methods, a private key for
 * `private_key_jwt`, a certificate and its key for `tls_client_auth`. Part of parseConfig.
 */
export function clientCredentials(
  options: GatehouseOptions,
  name: (key: keyof GatehouseOptions) => string,
  dev: boolean,
  /** False when every provider is of `providers`: each is checked for its own secret. */
  secretRequired = true,
): ClientCredentials {
  const clientAuth = SETTINGS.clientAuth.parse(options.clientAuth, name('clientAuth'));
  const needs = (key: keyof GatehouseOptions, what: string) =>
    new ConfigError(`${name(key)} is required with ${name('clientAuth')}=${clientAuth}: ${what}`);

  const clientSecret = SETTINGS.clientSecret.parse(options.clientSecret);
  if (secretRequired && SECRET_METHODS.includes(clientAuth) && !clientSecret) {
    throw needs('clientSecret', 'copy the client secret from the provider');
  }

  if (options.clientPrivateKeyFile?.trim()) {
    throw new ConfigError(
      `${name('clientPrivateKeyFile')} is read by createGatehouse(); parseConfig() needs ${name('clientPrivateKey')}`,
    );
  }
  const clientKey = SETTINGS.clientPrivateKey.parse(
    options.clientPrivateKey,
    name('clientPrivateKey'),
  );
  if (clientAuth === 'private_key_jwt' && !clientKey) {
    throw dev
      ? new ConfigError(
          `${name('clientPrivateKey')} is not set: createGatehouse() generates a development key on a loopback issuer, parseConfig() needs one`,
        )
      : needs(
          'clientPrivateKey',
          `a private JWK or PEM key (or ${name('clientPrivateKeyFile')}, a file holding it)`,
        );
  }

  const certificateFile = SETTINGS.clientCertificateFile.parse(options.clientCertificateFile);
  const keyFile = SETTINGS.clientCertificateKeyFile.parse(options.clientCertificateKeyFile);
  if (clientAuth === 'tls_client_auth' && !(certificateFile && keyFile)) {
    throw needs(
      certificateFile ? 'clientCertificateKeyFile' : 'clientCertificateFile',
      `the PEM client certificate (${name('clientCertificateFile')}) and its key (${name('clientCertificateKeyFile')})`,
    );
  }
  return {
    clientAuth,
    // Only what the method uses is kept: a secret lying around is never sent.
    clientSecret: SECRET_METHODS.includes(clientAuth) ? clientSecret : undefined,
    clientKey: clientAuth === 'private_key_jwt' ? clientKey : undefined,
    clientCertificate:
      clientAuth === 'tls_client_auth' && certificateFile && keyFile
        ? Object.freeze({ certificateFile, keyFile })
        : undefined,
  };
}
