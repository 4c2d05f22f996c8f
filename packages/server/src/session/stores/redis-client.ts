import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { redisTargetOf } from './redis-url.js';

/** A connection to one server (or a Sentinel set's master), or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

const backoff = (attempt: number) => Math.min(attempt * 200, 2000);

/**
 * An ioredis client for a Redis spelling ({@link redisTargetOf}), set to fail a command within
 * `commandTimeout` (so a request gets a 503, not a wait) and to reconnect on its own, following
 * a failover: Sentinel's new master, or the cluster's new slot owners. `redis` and `cluster`
 * are passed to ioredis as they are, over these defaults.
 */
export function connectRedis(
  spec: string,
  commandTimeout: number,
  redis: RedisOptions = {},
  cluster: ClusterOptions = {},
): RedisClient {
  const target = redisTargetOf(spec);
  // One retry: a command fails within commandTimeout instead of waiting for a reconnection.
  const failFast: RedisOptions = { commandTimeout, maxRetriesPerRequest: 1 };
  if (target.kind === 'server')
    return new Redis(spec, { ...failFast, retryStrategy: backoff, ...redis });
  if (target.kind === 'sentinel')
    return new Redis({
      ...failFast,
      retryStrategy: backoff,
      sentinelRetryStrategy: backoff,
      sentinelCommandTimeout: commandTimeout,
      // Sentinel's +switch-master moves the connection at once, not at the next failure.
      failoverDetector: true,
      // A master demoted under the client answers READONLY: reconnect, asking the sentinels.
      reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
      ...target.options,
      ...redis,
    });
  return new Cluster(target.nodes, {
    redisOptions: { ...failFast, ...target.options, ...redis },
    clusterRetryStrategy: backoff,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: commandTimeout,
    // Not enableAutoPipelining: ioredis batches per node and replays a batch on MOVED, which
    // goes wrong while slots move (a failover); every command here stands alone.
    ...cluster,
  });
}

/**
 * Connects `client` again whenever it gives up (status `end`) until the returned function is
 * called. ioredis gives up for good in a few races, e.g. Sentinel announcing a new master while
 * the client is connecting; the store must come back on its own.
 */
export function keepConnected(client: RedisClient, delayMs = 500): () => void {
  let stopped = false;
  const again = () => {
    if (stopped) return;
    setTimeout(() => {
      if (!stopped && client.status === 'end') client.connect().catch(() => {});
    }, delayMs).unref();
  };
  client.on('end', again);
  return () => {
    stopped = true;
    client.off('end', again);
  };
}
