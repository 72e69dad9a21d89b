import { SingleBar } from 'cli-progress';

/** Exit codes every command uses: scripts and CI branch on them. */
export const ExitCode = {
  ok: 0,
  /** The command ran and found a problem (a broken chain, a failed check). */
  failed: 1,
  /** The command could not run: bad usage, configuration or no database. */
  error: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: its message is printed as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function printLine(text = ''): void {
  process.stdout.write(text + '\n');
}

export function printError(text: string): void {
  process.stderr.write(text + '\n');
}

export function printJson(value: unknown): void {
  printLine(JSON.stringify(value, null, 2));
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** `1 stream`, `2,048 streams`. */
export const countOf = (n: number, noun: string): string => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return '0s';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
}

/** A plain text table: a header row, then one line per row, columns padded to fit. */
export function printTable<T>(rows: T[], columns: Column<T>[]): void {
  const cells = rows.map((r) => columns.map((c) => String(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  printLine(line(columns.map((c) => c.header.toUpperCase())));
  for (const row of cells) printLine(line(row));
}

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A progress bar on a terminal; on anything else (pipes, logs, CI) one plain line per
 * change, so output stays readable where a redrawn bar would be garbage.
 */
export function progress(label: string, unit: string): Progress {
  if (process.stdout.isTTY) {
    const bar = new SingleBar({
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      stream: process.stdout,
      hideCursor: true,
      etaBuffer: 20,
    });
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done);
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    update(done, total) {
      const text = `${label}: ${formatCount(done)}/${formatCount(total)} ${unit}`;
      if (text !== last) printLine(text);
      last = text;
    },
    stop() {},
  };
}
