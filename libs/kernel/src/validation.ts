import { z } from 'zod';
import { AppError } from './errors';

/** A zod issue path as the field name a client sees: `input[0].content`. */
export function fieldName(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Parses with zod; a failure is a 400 that names the first offending field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, root?: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = root ? [root, ...issue.path] : issue.path;
  if (issue.code === 'unrecognized_keys') {
    const name = fieldName([...path, issue.keys[0]]);
    throw new AppError(400, 'invalid_request', `Unknown field '${name}'`, { param: name });
  }
  const name = fieldName(path) || root || 'body';
  throw new AppError(400, 'invalid_request', `Invalid '${name}': ${issue.message}`, { param: name });
}
