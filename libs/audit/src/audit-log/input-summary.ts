import { ERASED } from '@genaug/event-store';
import { redactValue } from '../redaction/redaction-policy';

/** Longest input summary kept on a tool-call audit row. */
export const SUMMARY_CHARS = 500;

/** A tool call's input as an audit row shows it: redacted by the one policy, then cut short. */
export function inputSummary(input: unknown): string {
  if (input === ERASED) return ERASED;
  const text = typeof input === 'string' ? input : JSON.stringify(redactValue(input));
  const redacted = typeof input === 'string' ? (redactValue(text) as string) : text;
  return redacted.length > SUMMARY_CHARS ? `${redacted.slice(0, SUMMARY_CHARS - 1)}…` : redacted;
}
