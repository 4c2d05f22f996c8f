import type { OptionsOf, Settings } from './settings.js';

export type { RoutePaths } from './settings.js';

/**
 * Options of {@link createGatehouse}: one per setting of config/settings.ts, which documents
 * each, names its environment variable (read by {@link optionsFromEnv}) and holds its default.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouse({
 *   issuer: 'https://dev-123.okta.com/oauth2/default',
 *   clientId: '0oa...', clientSecret: process.env.OKTA_CLIENT_SECRET!,
 *   backendUrl: 'https://api.example.com', frontendUrl: 'https://app.example.com',
 *   sessionSecret: process.env.SESSION_SECRET,
 * })
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- named for docs and errors
export interface GatehouseOptions extends OptionsOf<Settings> {}
