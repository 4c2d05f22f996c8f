import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { doctor } from './doctor.js';
import { formatDoctorReport } from './report.js';

const USAGE = `Usage: gatehouse doctor [--json] [--env-file <path>] [--timeout <seconds>]

Checks the configuration npm run serve would use (the environment, over .env in this folder)
against the real provider, one line per check with the fix. Exits 1 when a check fails.

  --json               the report as JSON, for scripts
  --env-file <path>    read this file instead of .env
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
        'env-file': { type: 'string' },
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

  const envFile = values['env-file'];
  if (envFile !== undefined && !existsSync(envFile)) {
    err.write(`--env-file: no file at ${envFile}\n`);
    return 2;
  }
  const result = await doctor({ envFile: envFile ?? '.env', timeout });
  if (values.json) {
    out.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const color = out.isTTY && !process.env.NO_COLOR;
    out.write(`Gatehouse doctor\n\n${formatDoctorReport(result, { color })}`);
  }
  return result.ok ? 0 : 1;
}
