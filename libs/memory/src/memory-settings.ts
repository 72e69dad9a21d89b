import { z } from 'zod';

/**
 * The `memory` section of a project's settings. Projects stores it as an open record; it is
 * read here, and a field that does not parse falls back to its default so a turn never
 * fails on it.
 */
export const memorySettingsSchema = z.object({
  /** Give a turn with a `user` that user's most relevant memories as context. */
  use_in_turns: z.boolean().default(true).catch(true),
  /** At most this many memories in a turn. */
  max_memories_in_turn: z.number().int().min(1).max(50).default(5).catch(5),
  /** At most about this many tokens of memories in a turn. */
  max_memory_tokens_in_turn: z.number().int().min(1).max(8000).default(400).catch(400),
  /** An OpenAI-compatible embeddings endpoint, for vector similarity where the database has pgvector. */
  embeddings: z
    .object({ base_url: z.string().url(), model: z.string().min(1) })
    .optional()
    .catch(undefined),
});

export type MemorySettings = z.infer<typeof memorySettingsSchema>;

export function memorySettingsOf(settings: { memory?: Record<string, unknown> } | null | undefined): MemorySettings {
  const section = settings?.memory;
  return memorySettingsSchema.parse(section && typeof section === 'object' ? section : {});
}
