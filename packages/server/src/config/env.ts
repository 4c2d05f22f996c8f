import type { GatehouseOptions } from './options.js';
import { SETTINGS, type Settings } from './settings.js';

type EnvNames = {
  readonly [K in keyof Settings as Settings[K] extends { env: string } ? K : never]: string;
};

/** Which environment variable feeds which option; error messages use these names. */
export const ENV_NAMES: EnvNames = Object.freeze(
  Object.fromEntries(
    Object.entries(SETTINGS).flatMap(([key, setting]) =>
      'env' in setting ? [[key, setting.env]] : [],
    ),
  ) as EnvNames,
);

type Reader = Settings[keyof Settings];

function read(setting: Reader, raw: string | undefined): unknown {
  if (!('env' in setting)) return undefined;
  const how = 'read' in setting ? setting.read : 'text';
  switch (how) {
    case 'text':
      // A required setting is always present, '' when unset: parseConfig names what is missing.
      return 'required' in setting && setting.required ? (raw ?? '') : raw || undefined;
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

/**
 * Reads the seed tutorial's environment variables (and Gatehouse's own) into options, as the
 * settings table (config/settings.ts) says. Pass the result and {@link ENV_NAMES} to
 * `createGatehouse` so errors name the variable.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouse(optionsFromEnv(), ENV_NAMES)
 * ```
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): GatehouseOptions {
  const options: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [string, Reader][]) {
    if ('env' in setting) options[key] = read(setting, env[setting.env]);
  }
  return options as unknown as GatehouseOptions;
}
