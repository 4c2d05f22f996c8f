import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisNode } from './redis-node.js';

/** A real redis-server on a free port, with append-only persistence as a user would run it. */
export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  const args = (port: number) => [
    ...['--port', String(port), '--bind', '127.0.0.1'],
    ...['--dir', dir, '--appendonly', 'yes', '--save', ''],
  ];
  const first = await startRedisNode(args, answers);
  const port = first.port;
  let child = first.child;

  async function start() {
    ({ child } = await startRedisNode(args, answers, { port }));
  }

  async function stop() {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends one command to a Redis server and resolves with its raw answer. */
export function redisCommand(url: string, ...args: string[]): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port: Number(port), host: hostname }, () =>
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      ),
    );
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

/** Commands that only read: a {@link RedisProxy} lets them through while it waits for a write. */
const READS = new Set(
  'GET MGET HGET HMGET HGETALL HEXISTS HLEN EXISTS TTL PTTL TYPE SMEMBERS SISMEMBER SCARD SCAN PING INFO ECHO SELECT CLIENT HELLO AUTH COMMAND'.split(
    ' ',
  ),
);

/**
 * A TCP proxy in front of a Redis server, for one instance's store: on demand it holds that
 * instance's first write and everything the instance sends after it, until released. A
 * deterministic way to make a read-then-write of that instance straddle another's writes.
 * Hold for less than the client's command timeout (RedisStore's default: 2 s).
 */
export interface RedisProxy {
  url: string;
  /** From the next write command on, holds what clients send; `held` names that command. */
  holdWrites(): { held: Promise<string>; release(): void };
  close(): Promise<void>;
}

export async function startRedisProxy(target: string): Promise<RedisProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let armed: ((command: string) => void) | undefined;
  let holding = false;
  const held: Array<{ to: Socket; frame: Buffer }> = [];

  const server = createServer((client) => {
    const redis = createConnection({ port: Number(upstream.port), host: upstream.hostname });
    sockets.add(client).add(redis);
    redis.pipe(client);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let next = nextCommand(pending); next; next = nextCommand(pending)) {
        pending = pending.subarray(next.frame.length);
        if (!holding && armed && !READS.has(next.name)) {
          holding = true;
          armed(next.name);
          armed = undefined;
        }
        if (holding) held.push({ to: redis, frame: Buffer.from(next.frame) });
        else redis.write(next.frame);
      }
    });
    const end = () => {
      client.destroy();
      redis.destroy();
    };
    client.on('error', end).on('close', end);
    redis.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `redis://127.0.0.1:${port}`,
    holdWrites() {
      const arrived = new Promise<string>((resolve) => (armed = resolve));
      return {
        held: arrived,
        release() {
          armed = undefined;
          holding = false;
          for (const { to, frame } of held.splice(0)) if (!to.destroyed) to.write(frame);
        },
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The next complete command (a RESP array of bulk strings) at the start of `data`, if any. */
function nextCommand(data: Buffer): { frame: Buffer; name: string } | undefined {
  let at = data.indexOf('\r\n');
  if (at < 0) return undefined;
  if (data[0] !== 0x2a /* '*' */) {
    const line = data.subarray(0, at).toString();
    return { frame: data.subarray(0, at + 2), name: line.split(' ')[0]!.toUpperCase() };
  }
  const count = Number(data.subarray(1, at).toString());
  let name = '';
  at += 2;
  for (let i = 0; i < count; i++) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const start = lineEnd + 2;
    const end = start + Number(data.subarray(at + 1, lineEnd).toString());
    if (data.length < end + 2) return undefined;
    if (i === 0) name = data.subarray(start, end).toString().toUpperCase();
    at = end + 2;
  }
  return { frame: data.subarray(0, at), name };
}
