import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisTls } from './redis-tls.js';
import { startRedisNode } from './redis-node.js';

export const MASTER_NAME = 'gatehouse-master';

/**
 * A real Sentinel set on free ports, in a temp folder: a master, one replica and three
 * sentinels (quorum 2, `down-after-milliseconds` 1000), so a killed master is replaced within
 * seconds. With `password`, the master and replica require it; with `sentinelPassword`, the
 * sentinels require theirs; with `tls`, everything speaks TLS only.
 */
export interface RedisSentinelSet {
  /** `redis-sentinel://[:password@]127.0.0.1:s1,...,/gatehouse-master[?sentinelPassword=...]` */
  url: string;
  /** The port of the current master, as the sentinels say. */
  masterPort(): Promise<number>;
  /** SIGKILLs the current master; resolves to its port. */
  killMaster(): Promise<number>;
  /** Resolves once the sentinels name a live master that answers as one. */
  waitForMaster(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startRedisSentinel({
  password,
  sentinelPassword,
  tls,
}: {
  password?: string;
  sentinelPassword?: string;
  tls?: RedisTls;
} = {}): Promise<RedisSentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  const alive = (port: number) => !!children.get(port) && running(children.get(port)!);
  async function ask<T>(
    port: number,
    pass: string | undefined,
    run: (redis: Redis) => Promise<T>,
  ): Promise<T | undefined> {
    const redis = new Redis({
      port,
      password: pass,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      ...(tls && { tls: { ca: tls.ca } }),
    });
    redis.on('error', () => {});
    try {
      await redis.connect();
      return await run(redis);
    } catch {
      return undefined;
    } finally {
      redis.disconnect();
    }
  }
  async function waitFor(what: string, ready: () => Promise<boolean>, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error(`Redis Sentinel: ${what}`);
      await sleep(100);
    }
  }
  async function startNode(args: (port: number) => string[], pass: string | undefined) {
    const node = await startRedisNode(
      args,
      async (port) => !!(await ask(port, pass, (r) => r.ping())),
    );
    children.set(node.port, node.child);
    return node.port;
  }
  async function kill(port: number) {
    const child = children.get(port);
    if (!child || !running(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  async function close() {
    for (const port of children.keys()) await kill(port);
    rmSync(dir, { recursive: true, force: true });
  }

  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const dataNode = (replicaOf?: number) => (port: number) => {
    mkdirSync(join(dir, String(port)), { recursive: true });
    return [
      ...(tls ? tls.serverArgs(port) : ['--port', String(port)]),
      ...['--bind', '127.0.0.1', '--dir', join(dir, String(port))],
      ...['--appendonly', 'yes', '--save', ''],
      ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
      ...auth,
    ];
  };
  const sentinelNode = (master: number) => (port: number) => {
    const config = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      config,
      [
        ...(tls ? [] : [`port ${port}`]),
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 3000`,
        ...(password ? [`sentinel auth-pass ${MASTER_NAME} ${password}`] : []),
        ...(sentinelPassword
          ? [`requirepass ${sentinelPassword}`, `sentinel sentinel-pass ${sentinelPassword}`]
          : []),
        '',
      ].join('\n'),
    );
    return [config, '--sentinel', ...(tls ? tls.serverArgs(port) : [])];
  };
  let master = 0;
  let replica = 0;
  const sentinels: number[] = [];
  try {
    master = await startNode(dataNode(), password);
    replica = await startNode(dataNode(master), password);
    // Settled, not raced: a sentinel still starting when one failed would outlive close().
    const started = await Promise.allSettled(
      [1, 2, 3].map(() => startNode(sentinelNode(master), sentinelPassword)),
    );
    for (const node of started) {
      if (node.status === 'rejected') throw node.reason;
      sentinels.push(node.value);
    }
  } catch (error) {
    await close();
    throw error;
  }

  const masterAddress = async () => {
    for (const port of sentinels) {
      if (!alive(port)) continue;
      const address = await ask(port, sentinelPassword, (r) =>
        r.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME),
      );
      if (Array.isArray(address)) return Number(address[1]);
    }
    return undefined;
  };
  const set: RedisSentinelSet = {
    url: `${tls ? 'rediss' : 'redis'}-sentinel://${password ? `:${password}@` : ''}${sentinels.map((port) => `127.0.0.1:${port}`).join(',')}/${MASTER_NAME}${sentinelPassword ? `?sentinelPassword=${sentinelPassword}` : ''}`,
    async masterPort() {
      const port = await masterAddress();
      if (!port) throw new Error('Redis Sentinel: no sentinel names a master');
      return port;
    },
    async killMaster() {
      const port = await set.masterPort();
      await kill(port);
      return port;
    },
    async waitForMaster(timeoutMs) {
      let port: number | undefined;
      await waitFor(
        'no live master',
        async () => {
          port = await masterAddress();
          if (!port || !alive(port)) return false;
          const role = await ask(port, password, (r) => r.call('ROLE'));
          return Array.isArray(role) && role[0] === 'master';
        },
        timeoutMs,
      );
      return port!;
    },
    close,
  };
  try {
    await waitFor('the replica did not sync', async () => {
      const info = await ask(replica, password, (r) => r.info('replication'));
      return !!info?.includes('master_link_status:up');
    });
    // Each sentinel must know the replica and the two other sentinels, to elect a leader.
    await waitFor('the sentinels did not find each other', async () => {
      const views = await Promise.all(
        sentinels.map((port) =>
          ask(port, sentinelPassword, async (r) => {
            const fields = (await r.call('SENTINEL', 'master', MASTER_NAME)) as string[];
            const value = (name: string) => fields[fields.indexOf(name) + 1];
            return value('num-other-sentinels') === '2' && value('num-slaves') === '1';
          }),
        ),
      );
      return views.every(Boolean);
    });
  } catch (error) {
    await close();
    throw error;
  }
  return set;
}
