import { setBounded } from '../bounded-map.js';
import type { Config } from '../config/parse.js';
import {
  parseProvider,
  withCredentials,
  type ProviderResolver,
  type ProviderSettings,
} from '../config/providers.js';
import { SETTINGS } from '../config/settings.js';
import {
  BadRequestError,
  ConfigError,
  ProviderTimeoutError,
  ProviderUnavailableError,
} from '../errors.js';
import type { GatehouseLogger as Logger } from '../logger.js';
import { Discovery } from './discovery.js';

/** Providers of `resolveProvider` kept at once; the oldest goes (with its state) past it. */
const RESOLVED_KEPT = 1000;
const RESOLVER_DOWN = 'The sign-in directory is not answering. Try again in a moment.';

/**
 * One provider with its own state: the configuration as its calls see it (its issuer, client
 * and audience over the shared settings) and its discovery with its own backoff, built on first
 * use, so a provider that is down delays no other. What the layers above keep per provider (its
 * JWKS and Bearer verifier, its grants) hangs on it through {@link perProvider}.
 */
export class ProviderContext {
  #discovery: Discovery | undefined;

  constructor(
    readonly settings: ProviderSettings,
    readonly config: Config,
    private readonly log: Logger,
  ) {}

  get id(): string {
    return this.settings.id;
  }

  get discovery(): Discovery {
    return (this.#discovery ??= new Discovery(this.config, this.log));
  }

  close(): void {
    this.#discovery?.close();
  }
}

/** One `make(provider)` per provider, built on first use and gone with the provider. */
export function perProvider<T>(
  make: (provider: ProviderContext) => T,
): (provider: ProviderContext) => T {
  const made = new WeakMap<ProviderContext, T>();
  return (provider) => {
    if (!made.has(provider)) made.set(provider, make(provider));
    return made.get(provider)!;
  };
}

/** Whether a token's `iss` names this issuer: the URL as configured, with or without its `/`. */
const sameIssuer = (configured: URL, iss: string): boolean =>
  configured.href === iss || configured.href.replace(/\/$/, '') === iss;

/** Whether a provider authenticates as the shared settings say (the single settings' always do). */
const sharesCredentials = (config: Config, settings: ProviderSettings): boolean =>
  settings.clientAuth === config.clientAuth &&
  settings.clientSecret === config.clientSecret &&
  settings.clientKey === config.clientKey &&
  settings.clientCertificate === config.clientCertificate &&
  settings.accessTokenIntrospection === undefined;

/**
 * The view of `config` a provider's calls read: its issuer, client, audience, client
 * authentication and introspection mode over the shared settings. The first provider's is
 * `config` itself when it has nothing of its own.
 */
export function providerConfig(config: Config, settings: ProviderSettings): Config {
  if (settings === config.providers[0] && sharesCredentials(config, settings)) return config;
  return Object.freeze({
    ...config,
    issuer: settings.issuer,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    audience: settings.audience,
    scopes: settings.scopes,
    authorizationParams: settings.authorizationParams,
    clientAuth: settings.clientAuth ?? config.clientAuth,
    clientKey: settings.clientKey,
    clientCertificate: settings.clientCertificate,
    accessTokenIntrospection: settings.accessTokenIntrospection ?? config.accessTokenIntrospection,
  });
}

/**
 * The providers of a Gatehouse (docs/tenants.md): the configured ones, and those
 * `resolveProvider` finds at sign-in time, kept per id within a bound.
 */
export class Providers {
  readonly #configured: ReadonlyMap<string, ProviderContext>;
  readonly #resolved = new Map<string, ProviderContext>();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.#configured = new Map(
      config.providers.map((settings) => [
        settings.id,
        new ProviderContext(settings, providerConfig(config, settings), log),
      ]),
    );
  }

  /** The first configured provider: the one of the single settings when they are set. */
  get default(): ProviderContext {
    return this.#configured.values().next().value!;
  }

  /** The configured providers, the default first. */
  get configured(): readonly ProviderContext[] {
    return [...this.#configured.values()];
  }

  /** Whether the user chooses among several (or resolved) providers. */
  get several(): boolean {
    return this.#configured.size > 1 || this.config.resolveProvider !== undefined;
  }

  /** The provider of an id, configured or resolved; undefined when there is none. */
  async get(id: string): Promise<ProviderContext | undefined> {
    const configured = this.#configured.get(id);
    if (configured) return configured;
    const resolved = this.#resolved.get(id);
    if (resolved) return resolved;
    const resolve = this.config.resolveProvider;
    if (!resolve) return undefined;
    const options = await this.#resolve(resolve, id);
    if (options === undefined || options === null) return undefined;
    const context = this.#context(id, options);
    const evicted = this.#resolved.size >= RESOLVED_KEPT && this.#resolved.values().next().value;
    if (evicted) evicted.close();
    setBounded(this.#resolved, id, context, RESOLVED_KEPT);
    return context;
  }

  /** The provider of a session (`provider` absent: `default`, a record from before providers). */
  async ofSession(provider: string | undefined): Promise<ProviderContext> {
    const context = await this.get(provider ?? this.default.id);
    if (!context) {
      throw new BadRequestError(
        'The identity provider of this session is no longer configured.',
        `provider ${provider} unknown`,
      );
    }
    return context;
  }

  /** The provider of an id, configured or resolved and still kept; the resolver is not asked. */
  kept(id: string): ProviderContext | undefined {
    return this.#configured.get(id) ?? this.#resolved.get(id);
  }

  /** The provider whose `domains` hold an email's domain (home-realm discovery). */
  byEmail(email: string): ProviderContext | undefined {
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (!email.includes('@') || !domain) return undefined;
    return this.configured.find((one) => one.settings.domains.includes(domain));
  }

  /** The provider with this exact issuer identifier, configured or resolved and kept. */
  byIssuer(issuer: string): ProviderContext | undefined {
    return [...this.#configured.values(), ...this.#resolved.values()].find((one) =>
      sameIssuer(one.settings.issuer, issuer),
    );
  }

  close(): void {
    for (const context of [...this.#configured.values(), ...this.#resolved.values()]) {
      context.close();
    }
  }

  /**
   * The resolver's answer, within the provider timeout: a resolver that throws or hangs is an
   * upstream outage (503, 504), never a 500, and its answer is not kept.
   */
  async #resolve(resolve: ProviderResolver, id: string): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ProviderTimeoutError(
              RESOLVER_DOWN,
              `resolveProvider(${JSON.stringify(id)}) did not answer within ${this.config.httpTimeout} s`,
            ),
          ),
        this.config.httpTimeout * 1000,
      );
    });
    try {
      return await Promise.race([Promise.resolve().then(() => resolve(id)), timeout]);
    } catch (error) {
      if (error instanceof ProviderTimeoutError) throw error;
      throw new ProviderUnavailableError(
        RESOLVER_DOWN,
        `resolveProvider(${JSON.stringify(id)}) threw: ${(error as Error)?.message ?? String(error)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A resolved provider, checked as `providers` are. A result that is not a valid provider is
   * the application's fault, not the user's: a 400 page that says so, the reason in the log.
   */
  #context(id: string, options: unknown): ProviderContext {
    const label = `resolveProvider(${JSON.stringify(id)})`;
    try {
      const given =
        typeof options === 'object' && options !== null && !Array.isArray(options)
          ? { scopes: this.config.scopes, ...options }
          : options;
      const parsed = parseProvider(given, label, {
        issuer: (value, name) => SETTINGS.issuer.parse(value, name),
        clientId: (value, name) => SETTINGS.clientId.parse(value, name),
        scopes: this.config.scopes,
      });
      if (parsed.id !== id) {
        throw new ConfigError(`${label} returned the provider ${parsed.id}: its id must be ${id}`);
      }
      const sameIssuer = this.byIssuer(parsed.issuer.href);
      if (sameIssuer) {
        throw new ConfigError(
          `${label} returned the issuer of the provider ${sameIssuer.id}: each provider needs its own`,
        );
      }
      const settings = withCredentials(parsed, this.config, label, 'clientAuth');
      const config = providerConfig(this.config, settings);
      const context = new ProviderContext(settings, config, this.log);
      void context.discovery; // reads a client certificate file now: a missing one fails here
      return context;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.log.error(
        { provider: id, detail: error.message },
        'resolveProvider: not a valid provider',
      );
      throw new BadRequestError(
        'This sign-in provider is not set up correctly. Tell the site’s administrators.',
        error.message,
      );
    }
  }
}
