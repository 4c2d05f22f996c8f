import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

const LOCAL_ORIGIN = /^(https?:\/\/localhost):(\d+)(?=[/?#]|$)/;

/**
 * An example's env file (`.env.example`) as a test runs it: parsed as node does
 * (`util.parseEnv`), with the port of each `http://localhost:<port>` value replaced by the
 * test's free port for it (`ports`: the file's port → the test's) and nothing else changed, so a
 * wrong issuer path, client id or secret in the file fails the test that runs the example.
 */
export function exampleEnv(
  file: URL,
  ports: Readonly<Record<string, number>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(readEnvFile(file)).map(([name, value]) => {
      const local = LOCAL_ORIGIN.exec(value);
      if (!local) return [name, value];
      const port = ports[local[2]!];
      if (port === undefined) {
        throw new Error(`${file.pathname}: ${name}=${value} names a port the test does not serve`);
      }
      return [name, value.replace(LOCAL_ORIGIN, `$1:${port}`)];
    }),
  );
}

/** An env file's variables, parsed as node does (`node --env-file`, `util.parseEnv`). */
export function readEnvFile(file: URL): Record<string, string> {
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
}

/** The port of a `http://localhost:<port>` value, or undefined. */
export function localPort(value: string | undefined): string | undefined {
  return LOCAL_ORIGIN.exec(value ?? '')?.[2];
}
