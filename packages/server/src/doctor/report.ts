/** How a check came out: `skip` when an earlier failure left nothing to check. */
export type CheckStatus = 'ok' | 'warn' | 'error' | 'skip';

/** One line of the doctor's report. */
export interface DoctorCheck {
  /** A stable identifier for scripts, e.g. `issuer`, `client`, `redirect-uri`. */
  id: string;
  /** A short label, e.g. `client id and secret`. */
  title: string;
  status: CheckStatus;
  /** What the doctor found, with the values involved. */
  message: string;
  /** What to do about it (warnings and errors). */
  fix?: string;
}

/** Everything the doctor found; `ok` is false when any check is an error. */
export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
  counts: Record<CheckStatus, number>;
}

export function check(
  id: string,
  title: string,
  status: CheckStatus,
  message: string,
  fix?: string,
): DoctorCheck {
  return fix ? { id, title, status, message, fix } : { id, title, status, message };
}

export function report(checks: DoctorCheck[]): DoctorReport {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, error: 0, skip: 0 };
  for (const { status } of checks) counts[status]++;
  return { ok: counts.error === 0, checks, counts };
}

const LABELS: Record<CheckStatus, string> = {
  ok: 'ok',
  warn: 'warn',
  error: 'error',
  skip: 'skip',
};
const COLORS: Record<CheckStatus, string> = { ok: '32', warn: '33', error: '1;31', skip: '2' };

/**
 * The report as terminal lines: one per check (status, title, what was found), the fix on the
 * next line, and a count at the end.
 *
 * @example
 * ```ts
 * process.stdout.write(formatDoctorReport(await doctor(), { color: process.stdout.isTTY }))
 * ```
 */
export function formatDoctorReport(
  { checks, counts }: DoctorReport,
  { color = false }: { color?: boolean } = {},
): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const width = Math.max(...checks.map((item) => item.title.length));
  const indent = ' '.repeat(2 + 6 + width + 2);
  let text = '';
  for (const item of checks) {
    const status = paint(COLORS[item.status], LABELS[item.status].padEnd(5));
    text += `  ${status} ${item.title.padEnd(width)}  ${item.message}\n`;
    if (item.fix) text += `${indent}${paint('1', 'fix:')} ${item.fix}\n`;
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = [
    `${counts.ok} ok`,
    plural(counts.warn, 'warning'),
    plural(counts.error, 'error'),
    ...(counts.skip ? [`${counts.skip} skipped`] : []),
  ].join(', ');
  return `${text}\n${paint(counts.error ? '1;31' : '1', summary)}\n`;
}
