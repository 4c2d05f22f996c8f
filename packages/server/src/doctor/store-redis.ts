import type { SessionStore } from '../session-store.js';
import { check, type DoctorCheck } from './report.js';

/** What `RedisStore.redisTopology` answers (the store is not imported: its driver is optional). */
interface RedisInspectable {
  redisTopology(): Promise<{
    form: 'server' | 'sentinel' | 'cluster';
    version: string;
    masters: number;
    mastersWithoutReplica: number;
    master?: string;
  }>;
}

/**
 * For a Redis store, once it answered its ping (on a cluster: cluster_state ok; under Sentinel:
 * the master the sentinels name): the form and version for the ok line; an error below Redis 7
 * (the store's PEXPIREAT GT/NX); a warning for a cluster or Sentinel master without a replica,
 * whose sessions a failover would lose. Undefined for any other store.
 */
export async function redisCheck(
  store: SessionStore,
  setting: string,
): Promise<{ about: string } | { failure: DoctorCheck } | undefined> {
  const inspectable = store as Partial<RedisInspectable>;
  if (typeof inspectable.redisTopology !== 'function') return undefined;
  const topology = await inspectable.redisTopology();
  const version = `Redis ${topology.version}`;
  const about =
    topology.form === 'cluster'
      ? `Redis Cluster of ${topology.masters} masters, cluster_state ok, ${version}`
      : topology.form === 'sentinel'
        ? `${version}, master ${topology.master} named by Sentinel`
        : version;
  const fail = (level: 'error' | 'warn', problem: string, fix: string) => ({
    failure: check(
      'session-store',
      'session store',
      level,
      `${setting} answers (${about}), ${problem}`,
      fix,
    ),
  });
  if (Number(topology.version.split('.')[0]) < 7)
    return fail(
      'error',
      'but the Redis store needs Redis 7.0 or later: sign-ins would fail',
      'upgrade Redis to 7.0 or later',
    );
  if (topology.form !== 'server' && topology.mastersWithoutReplica > 0)
    return fail(
      'warn',
      `but ${topology.mastersWithoutReplica} of ${topology.masters} masters have no replica: if one dies, its sessions are lost`,
      'give every master a replica',
    );
  return { about };
}
