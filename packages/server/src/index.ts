// What an app calls: the core, its options, the rules, the error base and its codes, the
// memory store and metrics. Elsewhere: every error class (`@gatehouse/server/errors`), the
// adapters (`/express`, `/fastify`, `/hono`, `/next`, `/node`), the persistent stores
// (`/stores/sqlite`, `/stores/redis`, `/stores/postgres`), `/otel` and `/doctor`.
// test/public-api.test.ts holds the list: a name added here fails it until it is added there.
export { createGatehouse, type Gatehouse, type RouteHandler } from './gatehouse.js';
export type { AuthorizeOptions } from './guard/authorize.js';
export type { GatehouseOptions, RoutePaths } from './config/options.js';
export type { ProviderOptions } from './config/providers.js';
export type { Readiness } from './provider/readiness.js';
export { parseConfig, type Config, type OptionNames } from './config/parse.js';
export { ENV_NAMES, optionsFromEnv } from './config/env.js';
export { defaults } from './config/defaults.js';
export {
  ConfigError,
  GatehouseError,
  isGatehouseError,
  type GatehouseErrorCode,
} from './errors.js';
export type { BearerPrincipal, Claims, Principal, SessionPrincipal } from './principal.js';
export {
  requireAuthLevel,
  requireClaims,
  requireGroup,
  requireProvider,
  requireScope,
  type AuthLevel,
  type ClaimsPredicate,
  type Rule,
} from './guard/rules.js';
export type { GatehouseRequest, GatehouseResponse } from './http/types.js';
export type { GatehouseLogger, LogFn } from './logger.js';
export type { SessionRecord, SessionStore, SessionUser } from './session-store.js';
export { MemoryStore } from './session/stores/memory.js';
export { channels } from './events.js';
export { gatehouseMetrics, type GatehouseMetrics, type MetricsOptions } from './metrics/metrics.js';
