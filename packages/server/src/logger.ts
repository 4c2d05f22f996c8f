import { createRequire } from 'node:module';
import { hostname } from 'node:os';

/** One log call, pino's way: `log.warn({ code }, 'message')` or `log.warn('message')`. */
export interface LogFn {
  (object: object, message?: string): void;
  (message: string): void;
}

/**
 * What Gatehouse logs to: any object with pino's level methods and `child`. A pino logger fits,
 * as do most structured loggers with a thin wrapper. Gatehouse never logs tokens, codes or
 * cookies.
 */
export interface GatehouseLogger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): GatehouseLogger;
}

/**
 * The logger when none is given: pino (`{ name }`) when it is installed (an optional peer),
 * else {@link consoleLogger}, which writes the same JSON lines at the same levels.
 */
export function defaultLogger(name: string): GatehouseLogger {
  let pino: ((options: { name: string }) => GatehouseLogger) | undefined;
  try {
    // Synchronous, so createGatehouse stays so; loaded only when no logger is given.
    pino = createRequire(import.meta.url)('pino') as typeof pino;
  } catch {
    // Not installed: the console logger below.
  }
  return pino ? pino({ name }) : consoleLogger({ name });
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type Level = keyof typeof LEVELS;

/**
 * A minimal JSON logger on stdout, line for line like pino's defaults: `level` as a number,
 * `time`, `pid`, `hostname`, the bindings, the object's fields (`err` as type, message and
 * stack), `msg`. Level `info` unless given.
 */
export function consoleLogger(
  bindings: Record<string, unknown> = {},
  {
    level = 'info' as Level,
    write = (line: string): void => void process.stdout.write(line),
  }: { level?: Level; write?: (line: string) => void } = {},
): GatehouseLogger {
  const base = { pid: process.pid, hostname: hostname(), ...bindings };
  const at = (name: Level): LogFn =>
    LEVELS[name] < LEVELS[level]
      ? () => {}
      : (first: object | string, message?: string) => {
          const fields = typeof first === 'string' ? {} : serialize(first);
          const msg = typeof first === 'string' ? first : message;
          const line = { level: LEVELS[name], time: Date.now(), ...base, ...fields, msg };
          write(`${JSON.stringify(line)}\n`);
        };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more) => consoleLogger({ ...bindings, ...more }, { level, write }),
  };
}

function serialize(object: object): Record<string, unknown> {
  if (object instanceof Error) return { err: errorFields(object) };
  const fields: Record<string, unknown> = { ...object };
  if (fields.err instanceof Error) fields.err = errorFields(fields.err);
  return fields;
}

function errorFields(error: Error) {
  return { type: error.constructor.name, message: error.message, stack: error.stack };
}

const ignore = () => {};

/** A logger that writes nothing (the doctor opening a store). */
export const silentLogger: GatehouseLogger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  fatal: ignore,
  child: () => silentLogger,
};
