import { ConfigError } from '../errors.js';

/** One row of the settings table (settings.ts). */
export interface Setting {
  /** The environment variable that feeds the option, if any. */
  readonly env?: string;
  /**
   * A provider-neutral name for the same variable (`OIDC_ISSUER_URL` beside `OKTA_ISSUER_URL`):
   * either may be set; both, only to the same value.
   */
  readonly alias?: string;
  /**
   * How the variable's text becomes the option: `text` (empty is unset), `number`, `list`
   * (comma-separated), `mode` (trimmed, lower case), or a function.
   */
  readonly read?: 'text' | 'number' | 'list' | 'mode' | ((raw: string | undefined) => unknown);
  /** No default: the option must be given (the variable must be set). */
  readonly required?: boolean;
  /** Required unless the issuer is on loopback and not in production. */
  readonly requiredOutsideDev?: boolean;
  /** What an unset option means (also in `defaults` and the reference). */
  readonly default?: unknown;
  /** The default of `npm run serve` when it differs (`defaults` holds this one). */
  readonly serveDefault?: unknown;
  /** The unit of a number, shown in the reference. */
  readonly unit?: 'seconds';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each parser types its own input
  readonly parse: (value: any, label: string) => unknown;
}

/** The option type of a setting: what its parser accepts. */
type OptionOf<S> = S extends { parse: (value: infer T, label: string) => unknown }
  ? Exclude<T, undefined>
  : never;

/** The options a table describes: required settings required, the others optional. */
export type OptionsOf<T> = {
  [K in keyof T as T[K] extends { required: true } ? K : never]: OptionOf<T[K]>;
} & {
  [K in keyof T as T[K] extends { required: true } ? never : K]?: OptionOf<T[K]>;
};

/** The defaults a table holds (`serveDefault` where there is one). */
export type DefaultsOf<T> = {
  readonly [K in keyof T as T[K] extends { default: unknown } ? K : never]: T[K] extends {
    serveDefault: infer D;
  }
    ? D
    : T[K] extends { default: infer D }
      ? D
      : never;
};

/** The secrets, current first: a list, or one string with previous secrets after commas. */
export function sessionSecrets(value: string | readonly string[] | undefined): string[] {
  const list = typeof value === 'string' ? value.split(',') : (value ?? []);
  return list.map((secret) => secret.trim()).filter(Boolean);
}

export function seconds(env: string, fallback: number, min = 1) {
  return {
    env,
    read: 'number' as const,
    unit: 'seconds' as const,
    default: fallback,
    parse(value: number | undefined, label: string): number {
      const given = value ?? fallback;
      if (!Number.isFinite(given) || given < min) {
        throw new ConfigError(`${label} must be a number of seconds >= ${min}, got ${given}`);
      }
      return given;
    },
  };
}

export function whole(env: string, fallback: number, min: number) {
  return {
    env,
    read: 'number' as const,
    default: fallback,
    parse(value: number | undefined, label: string): number {
      const given = value ?? fallback;
      if (!Number.isSafeInteger(given) || given < min) {
        throw new ConfigError(`${label} must be a whole number >= ${min}, got ${value}`);
      }
      return given;
    },
  };
}

/** A true/false setting read from `true`/`on`/`false`/`off` (any case); anything else is refused. */
export function flag(env: string) {
  return {
    env,
    read: (raw: string | undefined) => {
      const text = raw?.trim().toLowerCase();
      if (text === 'true' || text === 'on' || text === '1') return true;
      if (text === 'false' || text === 'off' || text === '0') return false;
      return raw || undefined;
    },
    default: false,
    parse(value: boolean | undefined, label: string): boolean {
      if (value === undefined || typeof value === 'boolean') return value ?? false;
      throw new ConfigError(`${label} must be true or false, got ${String(value)}`);
    },
  } as const;
}

export function required(value: string | undefined, label: string): string {
  if (!value || !value.trim()) throw new ConfigError(`${label} is required`);
  return value.trim();
}

export function url(value: string | undefined, label: string): URL {
  const text = required(value, label);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(
      `${label} must be an absolute URL such as https://example.com, got ${text}`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${label} must be an http(s) URL, got ${text}`);
  }
  if (parsed.search || parsed.hash || parsed.username) {
    throw new ConfigError(`${label} must not carry a query, fragment or credentials, got ${text}`);
  }
  return parsed;
}
