import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './stack.js';

export interface RedisNode {
  port: number;
  child: ChildProcess;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * Starts `redis-server` with the arguments `args` gives for a free port (and a second one, for
 * a cluster bus) and resolves once it is running and `ready` says so. Test files pick free
 * ports at the same time, so a port can be taken between picking and binding: redis-server
 * then exits, and it is started again on new ports. With `port`, it starts on that port (a
 * restart). The error names redis-server's last words.
 */
export async function startRedisNode(
  args: (port: number, busPort: number) => string[],
  ready: (port: number) => Promise<boolean>,
  { port: fixedPort, timeoutMs = 30_000 }: { port?: number; timeoutMs?: number } = {},
): Promise<RedisNode> {
  const deadline = Date.now() + timeoutMs;
  let lastWords = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const [port, busPort] = [fixedPort ?? (await freePort()), await freePort()];
    const child = spawn('redis-server', args(port, busPort), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Read all output (a full pipe would stall the server); keep the tail for the error.
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk: Buffer) => (lastWords = (lastWords + chunk).slice(-600)));
    for (;;) {
      if ((await ready(port)) && running(child)) return { port, child };
      if (spawnError) throw new Error(`redis-server did not start: ${spawnError.message}`);
      if (!running(child)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`redis-server on ${port} did not get ready in time:\n${lastWords}`);
      }
      await sleep(50);
    }
    await exited;
  }
  throw new Error(`redis-server exited at every start:\n${lastWords}`);
}
