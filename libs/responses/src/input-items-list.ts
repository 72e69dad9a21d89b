import { z } from 'zod';
import { badRequest, derivedId, parseOrThrow } from '@genaug/kernel';

/** GET /v1/responses/{id}/input_items: a page of the items the response's model read. */
export const inputItemsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** The id of the last item of the previous page. */
  after: z.string().min(1).max(128).optional(),
  // Accepted as the OpenAI clients send it; nothing it can ask for applies to these items.
  include: z.union([z.string(), z.array(z.string())]).optional(),
});

export interface InputItemsPage {
  object: 'list';
  data: Array<Record<string, unknown> & { id: string }>;
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/**
 * The items a response's model read (its history and its input, in order) as a page. Items
 * that came without an id get one from the response and their place, the same on every read.
 */
export function inputItemsPage(responseId: string, items: ReadonlyArray<Record<string, unknown>>, query: unknown): InputItemsPage {
  return itemsPage(
    items.map((item, i) => withItemId(item, `${responseId}:input:${i}`)),
    query,
    (after) => `No input item '${after}' in this response`,
  );
}

/** A page of items that have their ids, as `query` (limit, order, after) asks. */
export function itemsPage(items: ReadonlyArray<Record<string, unknown> & { id: string }>, query: unknown, unknownAfter: (after: string) => string): InputItemsPage {
  const { limit, order, after } = parseOrThrow(inputItemsQuerySchema, query ?? {});
  const all = [...items];
  if (order === 'desc') all.reverse();
  const start = after === undefined ? 0 : all.findIndex((item) => item.id === after) + 1;
  if (start === 0 && after !== undefined) throw badRequest('after', unknownAfter(after));
  const data = all.slice(start, start + limit);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < all.length };
}

/**
 * An item as the API lists it: with its own id, or else one derived from `seed` (where it was
 * recorded), the same on every read; messages with their status.
 */
export function withItemId(item: Record<string, unknown>, seed: string): Record<string, unknown> & { id: string } {
  if (typeof item.id === 'string' && item.id) return item as Record<string, unknown> & { id: string };
  const prefix = item.type === 'function_call_output' ? 'fco' : item.type === 'function_call' ? 'fc' : 'msg';
  const id = derivedId(prefix, seed);
  return item.type === 'message' ? { id, ...item, status: 'completed' } : { id, ...item };
}
