import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { doctor } from './doctor.js';
import { describeSources } from './env-files.js';
import { formatDoctorJson, formatDoctorReport } from './report.js';

const USAGE = `Usage: gatehouse doctor [--json] [--env-file <path>]... [--timeout <seconds>]

Checks the configuration your server would use against the real provider, one line per check
with the fix. Exits 1 when a check fails. The variables are the environment's, over the env
files of this folder that exist, as Next.js reads them: .env.$NODE_ENV.local, .env.local (not
when NODE_ENV=test), .env.$NODE_ENV, .env (NODE_ENV development when unset; npm run serve
reads .env).

  --json               the report as JSON, for scripts
  --env-file <path>    read this file instead (repeat for several: a later file wins)
  --timeout <seconds>  how long each call to the provider may take (default HTTP_TIMEOUT or 5)
`;

/** The `gatehouse` command; resolves to the exit status. */
export async function main(
  argv: string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'env-file': { type: 'string', multiple: true },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    err.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') {
    out.write(USAGE);
    return 0;
  }
  if (positionals[0] !== 'doctor' || positionals.length > 1) {
    err.write(positionals.length ? `Unknown command: ${positionals.join(' ')}\n\n${USAGE}` : USAGE);
    return 2;
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) {
    err.write(`--timeout must be a number of seconds > 0, got ${values.timeout}\n`);
    return 2;
  }

  const envFiles = values['env-file'];
  const absent = envFiles?.find((file) => !existsSync(file));
  if (absent !== undefined) {
    err.write(`--env-file: no file at ${absent}\n`);
    return 2;
  }
  const result = await doctor({ envFile: envFiles, timeout });
  if (values.json) {
    out.write(formatDoctorJson(result));
  } else {
    const color = out.isTTY && !process.env.NO_COLOR;
    const sources = `variables from ${describeSources(result.envFiles ?? [])}`;
    out.write(`Gatehouse doctor\n${sources}\n\n${formatDoctorReport(result, { color })}`);
  }
  return result.ok ? 0 : 1;
}
