import type { Express } from 'express';
import type { Server, ServerResponse } from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The flags every TypeScript child runs with: the workspace sources through tsx. */
export const TS_FLAGS = ['--conditions=@gatehouse/source', '--import', 'tsx'];

const live = new Set<ChildProcess>();
let compiled: string | undefined;

/** Run the TypeScript children from their compiled `.mjs` in `dir` (see build.ts), not via tsx. */
export function useCompiled(dir: string): void {
  compiled = dir;
}

function spawnChild(script: string, spec: unknown, extraFlags: string[]): ChildProcess {
  const typescript = script.endsWith('.ts');
  const file =
    typescript && compiled
      ? join(compiled, script.replace(/\.ts$/, '.mjs'))
      : fileURLToPath(new URL(`../${script}`, import.meta.url));
  const child = fork(file, [JSON.stringify(spec)], {
    execArgv: [...(typescript && !compiled ? TS_FLAGS : []), ...extraFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Kills every child still running (SIGKILL): the last resort of a failed run. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** A child process that said it was ready, with what it reported. */
export interface Child<T> {
  process: ChildProcess;
  ready: T;
  /** Sends SIGTERM and waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** The CPU time (user + system, µs) the child has used so far. */
  cpu(): Promise<number>;
}

/**
 * Forks `script` (relative to bench/src) with `spec` as its one argument, and resolves to the
 * first `{ type: 'ready' }` message it sends. Rejects when it exits or fails first.
 */
export function start<T>(
  script: string,
  spec: unknown,
  extraFlags: string[] = [],
): Promise<Child<T>> {
  const child = spawnChild(script, spec, extraFlags);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', failed);
    child.once('exit', (code, signal) =>
      failed(new Error(`${script} exited before it was ready (${signal ?? `code ${code}`})`)),
    );
    child.on('message', (message: { type?: string; error?: string } & T) => {
      if (message.type === 'error') failed(new Error(`${script}: ${message.error}`));
      if (message.type !== 'ready') return;
      resolve({
        process: child,
        ready: message,
        cpu() {
          return new Promise((resolveCpu) => {
            const answer = (reply: { type?: string; micros?: number }) => {
              if (reply.type !== 'cpu') return;
              child.off('message', answer);
              resolveCpu(reply.micros!);
            };
            child.on('message', answer);
            child.send({ type: 'cpu?' });
          });
        },
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.kill('SIGTERM');
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}

/**
 * Runs `script` to completion and resolves to its one `{ type: 'result' }` message; other
 * messages go to `onMessage`.
 */
export async function runToEnd<T>(
  script: string,
  spec: unknown,
  extraFlags: string[] = [],
  onMessage?: (message: { type?: string }) => void,
): Promise<T> {
  const child = spawnChild(script, spec, extraFlags);
  let result: T | undefined;
  let failure: string | undefined;
  child.on('message', (message: { type?: string; result?: T; error?: string }) => {
    onMessage?.(message);
    if (message.type === 'result') result = message.result;
    if (message.type === 'error') failure = message.error;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (failure !== undefined) throw new Error(`${script}: ${failure}`);
  if (result === undefined) throw new Error(`${script} exited (code ${code}) without a result`);
  return result;
}

/** In a child: the spec its parent passed. */
export function specOf<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** In a child: tells the parent it is ready, and closes `close` on SIGTERM. */
export function serveUntilStopped(
  ready: Record<string, unknown>,
  close: () => Promise<void>,
): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  // The parent asks how much CPU this server used around each measured run.
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'cpu?') return;
    const { user, system } = process.cpuUsage();
    process.send!({ type: 'cpu', micros: user + system });
  });
  // The parent is gone (killed, crashed): do not outlive it.
  process.once('disconnect', stop);
  process.send!({ type: 'ready', ...ready });
}

/** In a child: reports a failure to the parent and exits non-zero. */
export function fail(error: unknown): never {
  process.send?.({
    type: 'error',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
  throw error;
}

/** Listens on the spec's port on loopback and serves until the parent stops this process. */
export async function listenUntilStopped(app: Express, port: number): Promise<void> {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  serveUntilStopped(
    { pid: process.pid },
    () => new Promise((resolve) => server.close(() => resolve())),
  );
}

/** A JSON answer of the bench's own node:http servers, with its length (no chunked framing). */
export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Serves a `node:http` server on the spec's port on loopback, keep-alive connections held as
 * autocannon's are, until the parent stops this process.
 */
export async function serveHttpUntilStopped(server: Server, port: number): Promise<void> {
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  serveUntilStopped({ pid: process.pid }, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}
