import { isSealed } from '@genaug/event-store';

/**
 * The one redaction policy for everything this slice shows outside a trace's authorised
 * reading: audit entries, tool-call input summaries and support bundles. Emails, phone
 * numbers, card-like numbers, tokens and keys are replaced by a marker naming what was there,
 * values under secret-sounding field names are dropped, and sealed fields stay sealed.
 */
export const REDACTED = {
  email: '[email]',
  phone: '[phone]',
  card: '[card]',
  secret: '[secret]',
  field: '[redacted]',
  sealed: '[sealed]',
} as const;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

// Secrets recognisable by shape: our project and admin keys, provider keys, JWTs, bearer
// tokens and `name=value` credentials in free text.
const SECRET_SHAPES: RegExp[] = [
  /\bga_[a-z]+_[0-9a-f]{24}_[0-9a-f]{40}\b/g,
  /\bgaadm_[A-Za-z0-9_]{16,}/g,
  /\b(?:sk|pk|rk)[-_](?:live[-_]|test[-_]|proj[-_]|ant[-_])?[A-Za-z0-9_-]{16,}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/gi,
];
const CREDENTIAL_ASSIGNMENT =
  /\b((?:api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|token|secret|password|passwd|pwd|client[_-]?secret)\s*[:=]\s*)("?)[^\s"',;&]{4,}\2/gi;

// A run of digits with the separators people type; what it is gets decided by counting digits.
// It must not start or end inside a word or a decimal number; a sentence's full stop may follow.
const NUMBER_RUN = /(?<![\w+])(?<!\d\.)\+?\(?\d[\d\s().-]{6,}\d(?!\w)(?!\.\d)/g;
const DECIMAL = /^\d+\.\d+$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** Field names whose string values are secrets whatever they look like. */
const SECRET_FIELD = /(^|[_-])(pass(word|wd)?|secret|api[_-]?key|apikey|token|access[_-]?token|refresh[_-]?token|authorization|cookie|credentials?|private[_-]?key|raw[_-]?key|hash|signature)$/i;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The hex-and-dash token around a match, to leave identifiers such as UUIDs alone. */
function insideUuid(text: string, start: number, end: number): boolean {
  let a = start;
  let b = end;
  while (a > 0 && /[0-9a-fA-F-]/.test(text[a - 1])) a--;
  while (b < text.length && /[0-9a-fA-F-]/.test(text[b])) b++;
  return UUID.test(text.slice(a, b));
}

function redactNumber(run: string, offset: number, text: string): string {
  const digits = run.replace(/\D/g, '');
  if (DATE_LIKE.test(run) || DECIMAL.test(run) || insideUuid(text, offset, offset + run.length)) return run;
  if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return REDACTED.card;
  const formatted = run.startsWith('+') || /[\s().-]/.test(run);
  if (digits.length >= 9 && digits.length <= 15 && formatted) return REDACTED.phone;
  return run;
}

/** Redacts personal data and secrets inside free text. */
export function redactText(text: string): string {
  if (isSealed(text as unknown)) return REDACTED.sealed;
  let out = text.replace(EMAIL, REDACTED.email);
  for (const shape of SECRET_SHAPES) out = out.replace(shape, REDACTED.secret);
  out = out.replace(CREDENTIAL_ASSIGNMENT, (_m, name: string) => `${name}${REDACTED.secret}`);
  return out.replace(NUMBER_RUN, redactNumber);
}

/** Redacts a JSON value: every string inside it, and whole values under secret field names. */
export function redactValue<T>(value: T, fieldName?: string): T {
  if (typeof value === 'string') {
    if (fieldName && SECRET_FIELD.test(fieldName) && !isSealed(value)) return REDACTED.field as T;
    return redactText(value) as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, fieldName)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, k);
    return out as T;
  }
  return value;
}
