import { ConfigError } from '../errors.js';
import type { GatehouseOptions } from './options.js';
import { SETTINGS, type Settings } from './settings.js';
import type { Setting } from './setting-kit.js';

type EnvNames = {
  readonly [K in keyof Settings as Settings[K] extends { env: string } ? K : never]: string;
};

type Env = Readonly<Record<string, string | undefined>>;

const isSet = (raw: string | undefined): raw is string => raw !== undefined && raw.trim() !== '';

/** The variable a setting is read from in `env`: its alias when only the alias is set. */
function variableOf(setting: Setting & { env: string }, env: Env): string {
  return setting.alias && !isSet(env[setting.env]) && isSet(env[setting.alias])
    ? setting.alias
    : setting.env;
}

const withEnv = (Object.entries(SETTINGS) as [string, Setting][]).filter(
  (entry): entry is [string, Setting & { env: string }] => entry[1].env !== undefined,
);

/**
 * Which environment variable feeds which option; error messages use these names. For a setting
 * with two names (`OKTA_ISSUER_URL` or `OIDC_ISSUER_URL`) it is the one set in `process.env`
 * when read, so a message names the variable the user wrote.
 */
export const ENV_NAMES: EnvNames = Object.freeze(
  Object.defineProperties(
    {},
    Object.fromEntries(
      withEnv.map(([key, setting]) => [
        key,
        setting.alias
          ? { enumerable: true, get: () => variableOf(setting, process.env) }
          : { enumerable: true, value: setting.env },
      ]),
    ),
  ),
) as EnvNames;

function read(setting: Setting, raw: string | undefined): unknown {
  const how = setting.read ?? 'text';
  switch (how) {
    case 'text':
      // A required setting is always present, '' when unset: parseConfig names what is missing.
      return setting.required ? (raw ?? '') : raw || undefined;
    case 'number':
      return raw ? Number(raw) : undefined;
    case 'list':
      return raw
        ?.split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    case 'mode':
      // Checked by parseConfig, which names the variable when the value is not one it knows.
      return raw?.trim().toLowerCase() || undefined;
    default:
      return how(raw);
  }
}

/** The raw text of a setting: its variable's, or its alias's; both set must agree. */
function rawOf(setting: Setting & { env: string }, env: Env): string | undefined {
  const primary = env[setting.env];
  if (!setting.alias) return primary;
  const alias = env[setting.alias];
  if (isSet(primary) && isSet(alias) && primary.trim() !== alias.trim()) {
    throw new ConfigError(
      `${setting.env} and ${setting.alias} are two names of one setting, set to different ` +
        `values (${setting.env}=${shown(setting.env, primary)}, ` +
        `${setting.alias}=${shown(setting.alias, alias)}): set only one of them`,
    );
  }
  return isSet(primary) ? primary : isSet(alias) ? alias : primary;
}

/** A value for an error message: never a secret's. */
const shown = (name: string, value: string) => (/SECRET/.test(name) ? '(hidden)' : value.trim());

/**
 * Reads the seed tutorial's environment variables (and Gatehouse's own) into options, as the
 * settings table (config/settings.ts) says. Pass the result and {@link ENV_NAMES} to
 * `createGatehouse` so errors name the variable. The provider-neutral `OIDC_*` names may replace
 * the tutorial's `OKTA_*` ones; both set to different values is a {@link ConfigError}.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouse(optionsFromEnv(), ENV_NAMES)
 * ```
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): GatehouseOptions {
  const options: Record<string, unknown> = {};
  for (const [key, setting] of withEnv) {
    options[key] = read(setting, rawOf(setting, env));
  }
  return options as unknown as GatehouseOptions;
}
