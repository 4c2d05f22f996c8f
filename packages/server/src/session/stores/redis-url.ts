import type { RedisOptions } from 'ioredis';

/** A Redis node's address. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where a Redis SESSION_STORE spelling points: one server, a cluster, or a Sentinel set. */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; options: RedisOptions }
  | { kind: 'sentinel'; options: RedisOptions };

// scheme, authority (userinfo@host:port,host:port), path, query.
const MULTI_NODE_FORM = /^(rediss?)-(cluster|sentinel):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;
const DEFAULT_PORT = { cluster: 6379, sentinel: 26379 };
const SENTINEL_PARAMETERS = new Set(['sentinelUsername', 'sentinelPassword', 'db']);

/**
 * Reads a Redis spelling: `redis://` and `rediss://` (one server, read by ioredis itself),
 * `redis-cluster://[user:password@]host:port,host:port,...` and
 * `redis-sentinel://[user:password@]host:port,host:port/<master name>` (with
 * `?sentinelUsername=&sentinelPassword=&db=`), `rediss-` for TLS. Throws an Error whose message
 * never repeats the spelling (it may hold a password).
 *
 * @example
 * ```ts
 * redisTargetOf('redis-sentinel://:pw@s1:26379,s2:26379/mymaster')
 * // { kind: 'sentinel', options: { password: 'pw', name: 'mymaster', sentinels: [...] } }
 * ```
 */
export function redisTargetOf(spec: string): RedisTarget {
  if (/^rediss?:\/\//.test(spec)) return { kind: 'server', url: spec };
  const form = MULTI_NODE_FORM.exec(spec);
  if (!form)
    throw new Error(
      'a Redis URL is redis://, rediss://, redis-cluster://host:port,host:port or redis-sentinel://host:port,host:port/<master name>',
    );
  const [, scheme, kind, authority, path = '', query = ''] = form as unknown as [
    string,
    'redis' | 'rediss',
    'cluster' | 'sentinel',
    string,
    string?,
    string?,
  ];
  const at = authority.lastIndexOf('@');
  const options: RedisOptions = credentialsOf(at < 0 ? '' : authority.slice(0, at));
  const nodes = nodesOf(authority.slice(at + 1), DEFAULT_PORT[kind], kind);
  const parameters = new URLSearchParams(query);
  if (scheme === 'rediss') options.tls = {};
  if (kind === 'cluster') {
    if (path.replace(/^\/$/, '') || parameters.size)
      throw new Error('redis-cluster:// takes no database path and no parameters');
    return { kind, nodes, options };
  }
  const name = decodeURIComponent(path.slice(1));
  if (!name) throw new Error('redis-sentinel:// needs the master name as its path: /<master name>');
  for (const parameter of parameters.keys())
    if (!SENTINEL_PARAMETERS.has(parameter))
      throw new Error(
        `redis-sentinel:// takes sentinelUsername, sentinelPassword and db, not ${parameter}`,
      );
  const db = parameters.get('db');
  if (db !== null && !/^\d+$/.test(db)) throw new Error('redis-sentinel:// db must be a number');
  Object.assign(options, {
    name,
    sentinels: nodes,
    ...(db !== null && { db: Number(db) }),
    ...(parameters.has('sentinelUsername') && {
      sentinelUsername: parameters.get('sentinelUsername')!,
    }),
    ...(parameters.has('sentinelPassword') && {
      sentinelPassword: parameters.get('sentinelPassword')!,
    }),
    ...(scheme === 'rediss' && { enableTLSForSentinelMode: true, sentinelTLS: {} }),
  });
  return { kind, options };
}

function credentialsOf(userinfo: string): RedisOptions {
  if (!userinfo) return {};
  const colon = userinfo.indexOf(':');
  const username = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = colon < 0 ? '' : decodeURIComponent(userinfo.slice(colon + 1));
  return { ...(username && { username }), ...(password && { password }) };
}

function nodesOf(hosts: string, defaultPort: number, kind: string): RedisNode[] {
  const nodes = hosts.split(',').map((entry) => {
    const node = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    if (!node) throw new Error(`redis-${kind}:// lists host:port pairs separated by commas`);
    return {
      host: node[1]!.replace(/^\[|\]$/g, ''),
      port: node[2] ? Number(node[2]) : defaultPort,
    };
  });
  return nodes;
}
