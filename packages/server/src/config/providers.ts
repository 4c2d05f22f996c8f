import { ConfigError } from '../errors.js';
import type { IntrospectionMode } from './bearer-settings.js';
import {
  parseClientAuth,
  parseClientKey,
  SECRET_METHODS,
  type ClientAuthMethod,
  type ClientKey,
} from './client-auth.js';
import { fixedAuthorizationParams } from './login-params.js';

/** One provider of `providers` / `PROVIDERS`, as given (docs/tenants.md). */
export interface ProviderOptions {
  /** `[a-z0-9-]{1,32}`: `/login?provider=<id>`, and kept with each session. */
  id: string;
  issuer: string;
  clientId: string;
  /** Required with the secret methods of `clientAuth`. */
  clientSecret?: string;
  /** Expected `aud` of this provider's access tokens; `api://default` when not given. */
  audience?: string;
  /** Space-separated scopes to request; as `scopes` when not given. */
  scopes?: string;
  /** Email domains signed in here: `/login?login_hint=ada@acme.example` picks this provider. */
  domains?: readonly string[];
  /** The name on the chooser page; the id when not given. */
  displayName?: string;
  /** Parameters sent on every sign-in at this provider (as `authorizationParams`). */
  authorizationParams?: Readonly<Record<string, string>> | string;
  /** How Gatehouse authenticates to this provider; the `clientAuth` setting's when not given. */
  clientAuth?: ClientAuthMethod;
  /** `private_key_jwt`: this provider's key (JWK or PEM); the shared `clientPrivateKey` when not given. */
  clientPrivateKey?: string | object;
  /** `tls_client_auth`: this provider's client certificate file; the shared one when not given. */
  clientCertificateFile?: string;
  /** `tls_client_auth`: the key file of `clientCertificateFile`. */
  clientCertificateKeyFile?: string;
  /** Opaque Bearer tokens of this provider (as `accessTokenIntrospection`); the setting's when not given. */
  accessTokenIntrospection?: IntrospectionMode;
}

/** Looks a provider up by id at sign-in time (a tenants table); undefined: no such provider. */
export type ProviderResolver = (id: string) => Promise<ProviderOptions | undefined>;

/** A validated provider: what differs from one provider to the next. */
export interface ProviderSettings {
  readonly id: string;
  readonly displayName: string;
  readonly domains: readonly string[];
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly audience: string;
  readonly scopes: string;
  readonly authorizationParams: Readonly<Record<string, string>>;
  /** Its own client authentication; undefined: the shared settings' (see {@link withCredentials}). */
  readonly clientAuth: ClientAuthMethod | undefined;
  readonly clientKey: ClientKey | undefined;
  readonly clientCertificate: Readonly<{ certificateFile: string; keyFile: string }> | undefined;
  readonly accessTokenIntrospection: IntrospectionMode | undefined;
}

/** The shared client authentication settings a provider falls back on. */
export interface SharedCredentials {
  readonly clientAuth: ClientAuthMethod;
  readonly clientKey: ClientKey | undefined;
  readonly clientCertificate: Readonly<{ certificateFile: string; keyFile: string }> | undefined;
}

/** The parsers of the single settings, reused so a provider is checked as they are. */
export interface ProviderParsers {
  issuer(value: string, label: string): URL;
  clientId(value: string, label: string): string;
  /** The value of `scopes` when a provider gives none. */
  scopes: string;
}

export const PROVIDER_ID = /^[a-z0-9-]{1,32}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const FIELDS = new Set([
  'id',
  'issuer',
  'clientId',
  'clientSecret',
  'audience',
  'scopes',
  'domains',
  'displayName',
  'authorizationParams',
  'clientAuth',
  'clientPrivateKey',
  'clientCertificateFile',
  'clientCertificateKeyFile',
  'accessTokenIntrospection',
]);
const INTROSPECTION_MODES: readonly IntrospectionMode[] = ['auto', 'on', 'off'];

/** `PROVIDERS`: a JSON array; undefined when not set (checked by the parser). */
export function readProviders(raw: string | undefined): unknown {
  if (!raw?.trim()) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw; // not JSON: the parser names the variable
  }
}

const optional = (value: unknown, label: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ConfigError(`${label} must be a string`);
  return value.trim() || undefined;
};

/** One provider object, checked as the single settings are; `label` is `PROVIDERS[i]`. */
export function parseProvider(
  given: unknown,
  label: string,
  parsers: ProviderParsers,
): ProviderSettings {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ConfigError(
      `${label} must be an object such as {"id":"acme","issuer":"https://...","clientId":"..."}`,
    );
  }
  const value = given as Record<string, unknown>;
  const unknown = Object.keys(value).find((key) => !FIELDS.has(key));
  if (unknown) throw new ConfigError(`${label}.${unknown} is not a provider field`);
  const id = value.id;
  if (typeof id !== 'string' || !PROVIDER_ID.test(id)) {
    throw new ConfigError(
      `${label}.id must be 1 to 32 lower-case letters, digits or hyphens, got ${JSON.stringify(id)}`,
    );
  }
  const domains = value.domains ?? [];
  if (!Array.isArray(domains) || domains.some((domain) => typeof domain !== 'string')) {
    throw new ConfigError(`${label}.domains must be an array of email domains`);
  }
  const lowered = (domains as string[]).map((domain) => domain.trim().toLowerCase());
  const bad = lowered.find((domain) => !DOMAIN.test(domain));
  if (bad !== undefined) {
    throw new ConfigError(`${label}.domains: ${JSON.stringify(bad)} is not a domain name`);
  }
  const displayName = optional(value.displayName, `${label}.displayName`) ?? id;
  if (displayName.length > 100)
    throw new ConfigError(`${label}.displayName is over 100 characters`);
  const introspection = value.accessTokenIntrospection;
  if (
    introspection !== undefined &&
    !INTROSPECTION_MODES.includes(introspection as IntrospectionMode)
  ) {
    throw new ConfigError(
      `${label}.accessTokenIntrospection must be auto, on or off, got ${String(introspection)}`,
    );
  }
  const certificateFile = optional(value.clientCertificateFile, `${label}.clientCertificateFile`);
  const keyFile = optional(value.clientCertificateKeyFile, `${label}.clientCertificateKeyFile`);
  return Object.freeze({
    id,
    displayName,
    domains: Object.freeze([...new Set(lowered)]),
    issuer: parsers.issuer(value.issuer as string, `${label}.issuer`),
    clientId: parsers.clientId(value.clientId as string, `${label}.clientId`),
    clientSecret: optional(value.clientSecret, `${label}.clientSecret`),
    audience: optional(value.audience, `${label}.audience`) ?? 'api://default',
    scopes: optional(value.scopes, `${label}.scopes`) ?? parsers.scopes,
    authorizationParams: fixedAuthorizationParams(
      value.authorizationParams as Record<string, string> | string | undefined,
      `${label}.authorizationParams`,
    ),
    clientAuth:
      value.clientAuth === undefined
        ? undefined
        : parseClientAuth(value.clientAuth as ClientAuthMethod, `${label}.clientAuth`),
    clientKey: parseClientKey(
      value.clientPrivateKey as string | object | undefined,
      `${label}.clientPrivateKey`,
    ),
    clientCertificate:
      certificateFile || keyFile
        ? Object.freeze({ certificateFile: certificateFile ?? '', keyFile: keyFile ?? '' })
        : undefined,
    accessTokenIntrospection: introspection as IntrospectionMode | undefined,
  });
}

/**
 * A provider with its client authentication settled: its own `clientAuth` or the shared one,
 * and what that method needs (its own secret; its own key or certificate, else the shared
 * ones), checked as the single settings are. Only what the method uses is kept. `label` is the
 * provider's (`PROVIDERS[1]`), `sharedLabel` the shared method's name (`CLIENT_AUTH`).
 */
export function withCredentials(
  provider: ProviderSettings,
  shared: SharedCredentials,
  label: string,
  sharedLabel: string,
): ProviderSettings {
  const own = provider.clientAuth !== undefined;
  const method = provider.clientAuth ?? shared.clientAuth;
  const methodLabel = own ? `${label}.clientAuth` : sharedLabel;
  const needs = (field: string, what: string) =>
    new ConfigError(`${label}.${field} is required with ${methodLabel}=${method}: ${what}`);
  if (SECRET_METHODS.includes(method) && !provider.clientSecret) {
    throw needs('clientSecret', 'copy the client secret from the provider');
  }
  const clientKey = provider.clientKey ?? shared.clientKey;
  if (method === 'private_key_jwt' && !clientKey) {
    throw needs('clientPrivateKey', 'a private JWK or PEM key');
  }
  const certificate = provider.clientCertificate ?? shared.clientCertificate;
  if (method === 'tls_client_auth' && !(certificate?.certificateFile && certificate.keyFile)) {
    throw needs(
      certificate?.certificateFile ? 'clientCertificateKeyFile' : 'clientCertificateFile',
      `the PEM client certificate (${label}.clientCertificateFile) and its key (${label}.clientCertificateKeyFile)`,
    );
  }
  return Object.freeze({
    ...provider,
    clientAuth: method,
    clientSecret: SECRET_METHODS.includes(method) ? provider.clientSecret : undefined,
    clientKey: method === 'private_key_jwt' ? clientKey : undefined,
    clientCertificate: method === 'tls_client_auth' ? certificate : undefined,
  });
}

/** `providers`: the array, each provider checked, ids and domains unique across them. */
export function parseProviderList(
  value: unknown,
  label: string,
  parsers: ProviderParsers,
): ProviderSettings[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigError(
      `${label} must be a JSON array of providers, got ${String(value).slice(0, 40)}`,
    );
  }
  const providers = value.map((one, index) => parseProvider(one, `${label}[${index}]`, parsers));
  const ids = new Set<string>();
  const domains = new Map<string, string>();
  providers.forEach((provider, index) => {
    if (ids.has(provider.id)) {
      throw new ConfigError(`${label}[${index}].id repeats the id ${provider.id}: ids are unique`);
    }
    ids.add(provider.id);
    for (const domain of provider.domains) {
      const owner = domains.get(domain);
      if (owner) {
        throw new ConfigError(
          `${label}[${index}].domains: ${domain} is already a domain of ${owner}: a domain signs in at one provider`,
        );
      }
      domains.set(domain, provider.id);
    }
  });
  return providers;
}

/** `resolveProvider`: a function, or not set. */
export function parseResolver(value: unknown, label: string): ProviderResolver | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(`${label} must be a function`);
  return value as ProviderResolver;
}
