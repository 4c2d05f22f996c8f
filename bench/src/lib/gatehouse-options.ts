import type { GatehouseOptions } from '@gatehouse/server';
import { pino } from 'pino';

export interface GatehouseTargetSpec {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `memory`, `sqlite:<path>`, `redis://...` or `postgres://...`: SESSION_STORE's spellings. */
  sessionStore: string;
  sessionSecret: string;
  logFile: string;
  /** Remote APIs (docs/remote-apis.md), for the proxy phase. */
  remoteApis?: GatehouseOptions['remoteApis'];
}

/** A bench backend's options, alike on every host: its log goes to a file, not the terminal. */
export function benchGatehouseOptions(
  spec: GatehouseTargetSpec,
  store: GatehouseOptions['sessionStore'] = spec.sessionStore,
): GatehouseOptions {
  return {
    issuer: spec.issuer,
    clientId: spec.clientId,
    clientSecret: spec.clientSecret,
    backendUrl: `http://localhost:${spec.port}`,
    frontendUrl: 'http://localhost:5173',
    sessionSecret: spec.sessionSecret,
    sessionStore: store,
    logger: pino(pino.destination({ dest: spec.logFile, sync: false })),
    ...(spec.remoteApis && { remoteApis: spec.remoteApis }),
  };
}
