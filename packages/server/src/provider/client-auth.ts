import { importJWK } from 'jose';
import * as client from 'openid-client';
import type { Config } from '../config/parse.js';
import { readConfigFile } from '../config/client-key-file.js';
import { mtlsFetch } from './mtls-fetch.js';

/** How a `client.Configuration` authenticates as this client, from `clientAuth`. */
export interface ClientAuthentication {
  readonly metadata: Partial<client.ClientMetadata>;
  readonly auth: client.ClientAuth;
  /** For `tls_client_auth`: every request to the provider presents the client certificate. */
  readonly fetch?: client.CustomFetch;
}

type Credentials = Pick<Config, 'clientAuth' | 'clientSecret' | 'clientKey' | 'clientCertificate'>;

/**
 * The client certificate and key of `tls_client_auth`, read once (at startup: `createGatehouse`
 * calls this through {@link clientAuthentication} before serving).
 */
export function clientCertificate(config: Credentials): { cert: string; key: string } | undefined {
  const files = config.clientCertificate;
  if (!files) return undefined;
  return {
    cert: readConfigFile(files.certificateFile, 'the client certificate (CLIENT_CERTIFICATE_FILE)'),
    key: readConfigFile(files.keyFile, 'its key (CLIENT_CERTIFICATE_KEY_FILE)'),
  };
}

/**
 * The configured client authentication, for every call to the token, introspection, revocation
 * and PAR endpoints. The secret methods send `clientSecret`; `private_key_jwt` signs a short
 * assertion with `clientKey` (imported with jose, its `kid` in the header); `tls_client_auth`
 * sends only `client_id` and presents the certificate, on the provider's mTLS endpoint aliases
 * when it advertises them (RFC 8705 5).
 */
export async function clientAuthentication(
  config: Credentials,
  certificate = clientCertificate(config),
): Promise<ClientAuthentication> {
  switch (config.clientAuth) {
    case 'client_secret_basic':
      return {
        metadata: { client_secret: config.clientSecret },
        auth: client.ClientSecretBasic(config.clientSecret),
      };
    case 'client_secret_post':
      return {
        metadata: { client_secret: config.clientSecret },
        auth: client.ClientSecretPost(config.clientSecret),
      };
    case 'private_key_jwt': {
      const { privateJwk, alg, kid } = config.clientKey!;
      const key = (await importJWK({ ...privateJwk }, alg)) as client.CryptoKey;
      return { metadata: {}, auth: client.PrivateKeyJwt({ key, kid }) };
    }
    case 'tls_client_auth':
      return {
        metadata: { use_mtls_endpoint_aliases: true },
        auth: client.TlsClientAuth(),
        fetch: mtlsFetch(certificate!),
      };
  }
}
