import { spawnSync } from 'node:child_process';
import { startRedis as startTestRedis } from '../../../packages/server/test/support/redis.js';

/** A real redis-server on a free loopback port, append-only as a user would run it. */
export interface RedisServer {
  url: string;
  version: string;
  close(): Promise<void>;
}

/** Whether `redis-server` is on the PATH, and its version. */
export function redisVersion(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  return /v=(\S+)/.exec(probe.stdout)?.[1] ?? 'unknown';
}

/** The test suite's redis-server, with its version for the report. */
export async function startRedis(version: string): Promise<RedisServer> {
  const server = await startTestRedis();
  return { url: server.url, version, close: () => server.close() };
}
