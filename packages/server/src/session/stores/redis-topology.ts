import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** What a Redis store talks to, for `gatehouse doctor`. */
export interface RedisTopology {
  form: 'server' | 'sentinel' | 'cluster';
  /** `redis_version` of the server (a master of a cluster). */
  version: string;
  /** Masters serving sessions: 1, or a cluster's masters that hold slots. */
  masters: number;
  /** How many of them have no connected replica (a failover would lose their sessions). */
  mastersWithoutReplica: number;
  /** Sentinel: the master's name and the address the sentinels gave. */
  master?: string;
}

const field = (info: string, name: string) =>
  new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

/**
 * A command for any node of a cluster, tried again (on another node ioredis picks) when the one
 * picked failed: just after a failover a node can be dropped from the client's pool mid-command.
 */
export async function onAnyNode<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function topologyOf(redis: RedisClient): Promise<RedisTopology> {
  if (redis instanceof Cluster) {
    const nodes = ((await onAnyNode(() => redis.cluster('NODES'))) as string)
      .split('\n')
      .filter(Boolean);
    const live = nodes
      .map((line) => line.split(' '))
      .filter(([, , flags]) => !flags!.includes('fail'));
    const masters = live.filter(
      ([, , flags, , , , , , ...slots]) => flags!.includes('master') && slots.length > 0,
    );
    const replicated = new Set(
      live.filter(([, , flags]) => flags!.includes('slave')).map((node) => node[3]),
    );
    const info = await onAnyNode(() => redis.info('server'));
    return {
      form: 'cluster',
      version: field(info, 'redis_version') ?? 'unknown',
      masters: masters.length,
      mastersWithoutReplica: masters.filter(([id]) => !replicated.has(id)).length,
    };
  }
  const info = await redis.info();
  const sentinel = redis.options.sentinels?.length ? redis.options.name : undefined;
  const replicas = Number(field(info, 'connected_slaves') ?? 0);
  return {
    form: sentinel ? 'sentinel' : 'server',
    version: field(info, 'redis_version') ?? 'unknown',
    masters: 1,
    mastersWithoutReplica: replicas > 0 ? 0 : 1,
    ...(sentinel && {
      master: `${sentinel} at ${redis.stream?.remoteAddress}:${redis.stream?.remotePort}`,
    }),
  };
}
