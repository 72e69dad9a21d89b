import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TextFormat } from '@genaug/models';

// Structured output: with json_schema + strict the final text must validate; the turn gets
// one repair attempt with the validation errors, then ends incomplete.

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

export interface Validation {
  ok: boolean;
  errors: string[];
}

export function validateStructuredOutput(format: TextFormat | undefined, text: string): Validation {
  if (!format || format.type === 'text') return { ok: true, errors: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`not valid JSON: ${(err as Error).message}`] };
  }
  if (format.type === 'json_object') {
    return value && typeof value === 'object' && !Array.isArray(value) ? { ok: true, errors: [] } : { ok: false, errors: ['must be a JSON object'] };
  }
  if (!format.strict) return { ok: true, errors: [] };
  let validate = compiled.get(format.schema);
  if (!validate) {
    validate = ajv.compile(format.schema);
    compiled.set(format.schema, validate);
  }
  if (validate(value)) return { ok: true, errors: [] };
  return { ok: false, errors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`) };
}

/** Whether a schema compiles, so a broken one is a 400 before any model call. */
export function schemaProblem(schema: Record<string, unknown>): string | null {
  try {
    ajv.compile(schema);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export const repairInstruction = (errors: string[]) =>
  `Your previous answer did not match the required JSON schema: ${errors.slice(0, 10).join('; ')}. ` +
  'Answer again with only JSON that matches the schema.';
