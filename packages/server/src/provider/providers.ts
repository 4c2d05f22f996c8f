import { setBounded } from '../bounded-map.js';
import type { Config } from '../config/parse.js';
import { SECRET_METHODS } from '../config/client-auth.js';
import { parseProvider, type ProviderSettings } from '../config/providers.js';
import { SETTINGS } from '../config/settings.js';
import { BadRequestError } from '../errors.js';
import type { GatehouseLogger as Logger } from '../logger.js';
import { Discovery } from './discovery.js';

/** Providers of `resolveProvider` kept at once; the oldest goes (with its state) past it. */
const RESOLVED_KEPT = 1000;

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

/** The view of `config` a provider's calls read: the first provider's is `config` itself. */
export function providerConfig(config: Config, settings: ProviderSettings): Config {
  if (settings === config.providers[0]) return config;
  return Object.freeze({
    ...config,
    issuer: settings.issuer,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    audience: settings.audience,
    scopes: settings.scopes,
    authorizationParams: settings.authorizationParams,
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
    const options = await resolve(id);
    if (options === undefined) return undefined;
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

  #context(id: string, options: object): ProviderContext {
    const label = `resolveProvider(${JSON.stringify(id)})`;
    const settings = parseProvider({ scopes: this.config.scopes, ...options }, label, {
      issuer: (value, name) => SETTINGS.issuer.parse(value, name),
      clientId: (value, name) => SETTINGS.clientId.parse(value, name),
      scopes: this.config.scopes,
    });
    if (settings.id !== id) {
      throw new Error(`${label} returned the provider ${settings.id}: its id must be ${id}`);
    }
    const sameIssuer = this.byIssuer(settings.issuer.href);
    if (sameIssuer) {
      throw new Error(
        `${label} returned the issuer of the provider ${sameIssuer.id}: each provider needs its own`,
      );
    }
    if (SECRET_METHODS.includes(this.config.clientAuth) && !settings.clientSecret) {
      throw new Error(
        `${label} returned no clientSecret, which clientAuth=${this.config.clientAuth} needs`,
      );
    }
    return new ProviderContext(settings, providerConfig(this.config, settings), this.log);
  }
}
