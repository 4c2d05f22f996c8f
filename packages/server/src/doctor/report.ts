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
  /** The env files the variables were read from, under the environment's, highest precedence first. */
  envFiles?: string[];
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

// Control characters (C0, DEL, C1) and the bidirectional controls: a provider's answer holding
// them could move the cursor, repaint an error as a green "ok" or reorder a line on a terminal.
const BIDI = '\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const CONTROLS = new RegExp(`[\\p{Cc}${BIDI}]`, 'gu');
// JSON.stringify escapes C0 itself (and its line breaks are the document's own).
const CONTROLS_IN_JSON = new RegExp(`[\\u007f-\\u009f${BIDI}]`, 'gu');
const escape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with every control character written as `\uXXXX`, so a terminal prints it as text. */
function printable(text: string): string {
  return text.replace(CONTROLS, escape);
}

/** The report as JSON for scripts, escaped like the text for the terminal it may end up on. */
export function formatDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2).replace(CONTROLS_IN_JSON, escape)}\n`;
}

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
  // Every field may hold a provider's words: each is made printable here, where text is written.
  const lines = checks.map((item) => ({
    status: item.status,
    title: printable(item.title),
    message: printable(item.message),
    fix: item.fix && printable(item.fix),
  }));
  const width = Math.max(...lines.map((item) => item.title.length));
  const indent = ' '.repeat(2 + 6 + width + 2);
  let text = '';
  for (const item of lines) {
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
