import { z } from 'zod';
import { badRequest, parseOrThrow } from '@genaug/kernel';

/** GET /v1/responses/{id}: the response, or with `stream=true` its stream, resumed after `starting_after`. */
const retrieveQuerySchema = z.object({
  stream: z.enum(['true', 'false']).optional(),
  starting_after: z.string().regex(/^\d{1,9}$/, 'must be a sequence number: a whole number, 0 or more').optional(),
  // Accepted as the OpenAI clients send them; nothing they ask for changes our events.
  include: z.union([z.string(), z.array(z.string())]).optional(),
  include_obfuscation: z.enum(['true', 'false']).optional(),
});

export interface RetrieveQuery {
  stream: boolean;
  /** The sequence number of the last event the client has; -1 for the whole stream. */
  startingAfter: number;
}

export function parseRetrieveQuery(query: unknown): RetrieveQuery {
  const parsed = parseOrThrow(retrieveQuerySchema, query ?? {});
  const stream = parsed.stream === 'true';
  if (parsed.starting_after !== undefined && !stream) {
    throw badRequest('starting_after', 'starting_after resumes a stream: send it with stream=true');
  }
  return { stream, startingAfter: parsed.starting_after === undefined ? -1 : Number(parsed.starting_after) };
}
