import { z } from 'zod';

/**
 * How a response's output arrived, step by step, without its text: a resumed stream
 * (GET /v1/responses/{id}?stream=true&starting_after=N) told from the stored response follows
 * these steps, so it numbers every event as the live stream did and resumes exactly after N.
 *
 * - `['d', i, n]`: a delta of n characters into output item i (a message's text, or a function
 *   call's arguments); a message's first delta opens it.
 * - `['o', i]`: function call i starts.
 * - `['c', i]`: function call i is done.
 */
export type StreamStep = ['d', number, number] | ['o', number] | ['c', number];

export const streamStepSchema = z.union([
  z.tuple([z.literal('d'), z.number().int().min(0), z.number().int().min(1)]),
  z.tuple([z.literal('o'), z.number().int().min(0)]),
  z.tuple([z.literal('c'), z.number().int().min(0)]),
]);
