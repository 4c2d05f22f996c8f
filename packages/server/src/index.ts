// The core, its options and errors, the guard's rules, MemoryStore and metrics. Elsewhere:
// adapters (`@gatehouse/server/fastify`, `/express`, ...), the SQLite and Redis stores
// (`/stores/sqlite`, `/stores/redis`: optional drivers) and the doctor (`/doctor`).
export { createGatehouse, type Gatehouse, type RouteHandler } from './gatehouse.js';
export type { GatehouseOptions, RoutePaths } from './config/options.js';
export { ConfigError, parseConfig, type Config, type OptionNames } from './config/parse.js';
export { ENV_NAMES, optionsFromEnv } from './config/env.js';
export { defaults } from './config/defaults.js';
export * from './errors.js';
export type { BearerPrincipal, Claims, Principal, SessionPrincipal } from './guard/authenticate.js';
export {
  requireAuthLevel,
  requireClaims,
  requireGroup,
  requireScope,
  type AuthLevel,
  type ClaimsPredicate,
  type Rule,
} from './guard/rules.js';
export type { GatehouseRequest, GatehouseResponse } from './http/types.js';
export type { GatehouseLogger, LogFn } from './logger.js';
export type { SessionRecord, SessionStore, SessionUser } from './session/store.js';
export { MemoryStore } from './session/stores/memory.js';
export { channels } from './events.js';
export * from './metrics/metrics.js';
