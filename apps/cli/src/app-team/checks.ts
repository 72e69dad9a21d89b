import { describeFailure } from './connection';
import { printLine } from '../output';

// The checks smoke, verify and onboarding verify run: one line per check as it finishes (so a
// slow one shows where the time goes), a status CI can gate on, and JSON for machines.

export type CheckStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  evidence?: Record<string, unknown>;
}

export type CheckOutcome = Omit<CheckResult, 'name'>;

export const pass = (detail: string, evidence?: Record<string, unknown>): CheckOutcome => ({ status: 'PASS', detail, evidence });
export const fail = (detail: string, evidence?: Record<string, unknown>): CheckOutcome => ({ status: 'FAIL', detail, evidence });
export const warn = (detail: string, evidence?: Record<string, unknown>): CheckOutcome => ({ status: 'WARN', detail, evidence });
export const skip = (detail: string): CheckOutcome => ({ status: 'SKIP', detail });

export interface CheckRunOptions {
  json: boolean;
  /** `PASS name: detail` (default) or `name=PASS  detail`, the evidence form. */
  style?: 'lines' | 'evidence';
}

export class CheckRun {
  readonly results: CheckResult[] = [];

  constructor(private readonly options: CheckRunOptions) {}

  /** Runs one check; a thrown error is that check's FAIL, never the end of the run. */
  async check(name: string, label: string, run: () => Promise<CheckOutcome>): Promise<CheckResult> {
    const live = process.stderr.isTTY;
    if (live) process.stderr.write(`… ${label}`);
    let outcome: CheckOutcome;
    try {
      outcome = await run();
    } catch (err) {
      outcome = fail(describeFailure(err));
    }
    if (live) process.stderr.write('\r\x1b[2K');
    const result = { name, ...outcome };
    this.results.push(result);
    if (!this.options.json) printLine(this.format(result));
    return result;
  }

  /** Records a check decided without running anything (e.g. skipped for missing configuration). */
  note(name: string, outcome: CheckOutcome): CheckResult {
    const result = { name, ...outcome };
    this.results.push(result);
    if (!this.options.json) printLine(this.format(result));
    return result;
  }

  get failed(): boolean {
    return this.results.some((r) => r.status === 'FAIL');
  }

  /** `name=STATUS` per check: the evidence lines release checklists grep for. */
  get evidence(): string[] {
    return this.results.map((r) => `${r.name}=${r.status}`);
  }

  summary(): string {
    const count = (s: CheckStatus) => this.results.filter((r) => r.status === s).length;
    const parts = [`${count('PASS')} passed`, `${count('FAIL')} failed`];
    if (count('WARN')) parts.push(`${count('WARN')} warned`);
    if (count('SKIP')) parts.push(`${count('SKIP')} skipped`);
    return parts.join(', ');
  }

  printSummary(): void {
    if (this.options.json) return;
    printLine(`${this.failed ? 'FAIL' : 'PASS'}: ${this.summary()}`);
  }

  private format(r: CheckResult): string {
    return this.options.style === 'evidence' ? `${r.name}=${r.status}  ${r.detail}` : `${r.status} ${r.name}: ${r.detail}`;
  }
}

/**
 * Polls until `ready` holds or the time is up, and returns the last value: read models on the
 * server (traces, usage) follow a turn by a moment.
 */
export async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
