import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import type { GatehouseError } from '../errors.js';
import { callProvider } from './provider-errors.js';
import { clientAuthentication, clientCertificate } from './client-auth.js';
import { usersNameIssuer } from './user.js';

const MAX_RETRY_DELAY = 60_000;

/**
 * The provider's metadata, fetched by discovery on first use and kept. The server starts while
 * the provider is down: a failed discovery answers 503 and is retried in the background with
 * backoff, and on the next request.
 */
export class Discovery {
  #configuration: client.Configuration | undefined;
  #pending: Promise<client.Configuration> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay = 1000;
  #closed = false;
  /** Read at construction, so a missing certificate file stops the server at startup. */
  readonly #certificate: ReturnType<typeof clientCertificate>;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.#certificate = clientCertificate(config);
  }

  /** Discovery's result; throws a 503/504/502 {@link GatehouseError} while it cannot be had. */
  configuration(): Promise<client.Configuration> {
    if (this.#configuration) return Promise.resolve(this.#configuration);
    this.#pending ??= this.#discover().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** Whether discovery has succeeded (for readiness checks). */
  get ready(): boolean {
    return this.#configuration !== undefined;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
  }

  async #discover(): Promise<client.Configuration> {
    const { issuer, clientId, httpTimeout } = this.config;
    try {
      // The method of `clientAuth`, for every call to the token, introspection, revocation
      // and PAR endpoints made with this configuration.
      const authentication = await clientAuthentication(this.config, this.#certificate);
      const configuration = await callProvider('discovery', () =>
        client.discovery(
          issuer,
          clientId,
          {
            ...authentication.metadata,
            redirect_uris: [this.config.redirectUri],
            response_types: ['code'],
            [client.clockTolerance]: this.config.clockTolerance,
          },
          authentication.auth,
          {
            timeout: httpTimeout,
            ...(authentication.fetch ? { [client.customFetch]: authentication.fetch } : {}),
            execute: [
              ...(issuer.protocol === 'http:' ? [client.allowInsecureRequests] : []),
              // The ID token from the token endpoint is verified against the JWKS too, not
              // only trusted for having come over TLS (OIDC Core 3.1.3.7 leaves this optional).
              client.enableNonRepudiationChecks,
            ],
          },
        ),
      );
      configuration.timeout = httpTimeout;
      if (this.config.providers.length > 1 || this.config.resolveProvider) {
        usersNameIssuer(configuration);
      }
      this.#configuration = configuration;
      this.#retryDelay = 1000;
      this.log.info({ issuer: issuer.href }, 'provider discovery loaded');
      return configuration;
    } catch (error) {
      const failure = error as GatehouseError;
      this.log.warn(
        { code: failure.code, detail: failure.detail, retryInMs: this.#retryDelay },
        `provider discovery failed: ${failure.description}`,
      );
      this.#scheduleRetry();
      throw failure;
    }
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.configuration().catch(() => {});
    }, this.#retryDelay).unref();
    this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_DELAY);
  }
}
