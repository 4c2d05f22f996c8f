import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { RedisTls } from './redis-tls.js';
import { startRedisNode } from './redis-node.js';

/**
 * A real 6-node Redis Cluster (3 masters, 3 replicas) on free ports, in a temp folder, with
 * `cluster-node-timeout` 1000 ms so a replica takes over a killed master within seconds. With
 * `tls`, the nodes speak TLS only (clients, replication, cluster bus).
 */
export interface RedisCluster {
  /** `redis-cluster://[:password@]127.0.0.1:p1,...` (`rediss-cluster://` with TLS) */
  url: string;
  ports: number[];
  password?: string;
  /** The port of the master serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the node on `port` (a master: its replica takes over). */
  kill(port: number): Promise<void>;
  /** Resolves once every live node says cluster_state:ok and no live master is a killed node. */
  waitForOk(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startRedisCluster({
  password,
  tls,
}: { password?: string; tls?: RedisTls } = {}): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-cluster-'));
  const ports: number[] = [];
  const children = new Map<number, ChildProcess>();
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const client = (port: number) =>
    new Redis({
      port,
      host: '127.0.0.1',
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      ...(tls && { tls: { ca: tls.ca } }),
    });
  async function ask<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    const redis = client(port);
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
  const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  const alive = () => ports.filter((port) => running(children.get(port)!));

  const pong = async (port: number) => (await ask(port, (r) => r.ping())) === 'PONG';
  const nodes = await Promise.allSettled(
    Array.from({ length: 6 }, () =>
      startRedisNode((port, busPort) => {
        mkdirSync(join(dir, String(port)), { recursive: true });
        return [
          ...(tls ? [...tls.serverArgs(port), '--tls-cluster', 'yes'] : ['--port', String(port)]),
          ...['--cluster-port', String(busPort), '--bind', '127.0.0.1'],
          ...['--dir', join(dir, String(port)), '--appendonly', 'yes', '--save', ''],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
          ...['--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0'],
          // A replica syncs at once (the default waits 5 s for others to sync with).
          ...['--repl-diskless-sync-delay', '0'],
          ...auth,
        ];
      }, pong),
    ),
  );
  for (const node of nodes) {
    if (node.status === 'fulfilled') {
      ports.push(node.value.port);
      children.set(node.value.port, node.value.child);
    }
  }
  async function kill(port: number) {
    const child = children.get(port)!;
    if (!running(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  async function close() {
    for (const port of alive()) await kill(port);
    rmSync(dir, { recursive: true, force: true });
  }
  try {
    const failed = nodes.find((node) => node.status === 'rejected');
    if (failed) throw failed.reason;
    await promisify(execFile)('redis-cli', [
      ...(password ? ['-a', password, '--no-auth-warning'] : []),
      ...(tls?.cliArgs ?? []),
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
  } catch (error) {
    await close();
    throw error;
  }

  const cluster: RedisCluster = {
    url: `${tls ? 'rediss' : 'redis'}-cluster://${password ? `:${password}@` : ''}${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    password,
    async masterOf(key) {
      for (const port of alive()) {
        const slot = await ask(port, (r) => r.cluster('KEYSLOT', key));
        const owner = await ask(port, async (r) => {
          const slots = await r.cluster('SLOTS');
          return slots.find(([from, to]) => slot! >= from && slot! <= to)?.[2]?.[1];
        });
        if (owner) return owner;
      }
      throw new Error(`no node serves the slot of ${key}`);
    },
    kill,
    async waitForOk(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(
          alive().map((port) => ask(port, (r) => r.cluster('INFO'))),
        );
        const nodes = await ask(alive()[0]!, (r) => r.cluster('NODES') as Promise<string>);
        // Every master that holds slots is alive and not suspected (fail?) or failed.
        const liveMastersOnly = (nodes ?? '')
          .split('\n')
          .map((line) => line.split(' '))
          .filter(([, , flags, , , , , , ...slots]) => flags?.includes('master') && slots.length)
          .every(
            ([, address, flags]) =>
              !flags!.includes('fail') && alive().some((port) => address!.includes(`:${port}@`)),
          );
        if (states.every((info) => info?.includes('cluster_state:ok')) && liveMastersOnly) return;
        if (Date.now() > deadline) throw new Error('the Redis Cluster did not become ok');
        await sleep(100);
      }
    },
    close,
  };
  try {
    await cluster.waitForOk();
    // Every replica holds its master's data: a master killed from now on loses nothing.
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const info = await ask(port, (r) => r.info('replication'));
        if (info?.includes('role:master') || info?.includes('master_link_status:up')) break;
        if (i > 200) throw new Error(`the replica on ${port} did not sync`);
        await sleep(50);
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return cluster;
}
