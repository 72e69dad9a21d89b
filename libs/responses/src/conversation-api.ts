import { z } from 'zod';
import { badRequest, parseOrThrow } from '@genaug/kernel';
import { inputItemSchema, metadataSchema, type InputItem } from './create-response.request';
import { inputItems, type NormalizedInputItem } from './input-items';

// The Conversations API (/v1/conversations, the `openai` client's `conversations`): a
// conversation made ahead of its turns, its metadata and its items. Turns continue it with
// `conversation` on POST /v1/responses. The server and genaug mock parse and answer alike.

/** Items one request may add, as OpenAI caps them. */
export const MAX_ITEMS_PER_REQUEST = 20;

/** What a conversation's items may be: what a turn's model reads as history. */
const ITEM_TYPES = new Set(['message', 'function_call', 'function_call_output']);

const itemsSchema = z.array(inputItemSchema).max(MAX_ITEMS_PER_REQUEST, `At most ${MAX_ITEMS_PER_REQUEST} items per request`);

const createSchema = z.object({
  items: itemsSchema.nullish(),
  metadata: metadataSchema.nullish(),
  // Ours: the app user the conversation belongs to. Items added through the API are sealed for
  // them (erasing the user erases them); without it, for the project's anonymous user.
  user: z.string().min(1).max(256).nullish(),
});
const updateSchema = z.object({ metadata: metadataSchema });
const addItemsSchema = z.object({ items: itemsSchema.min(1, 'At least one item') });

export interface ConversationObject {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

export const conversationObject = (id: string, createdAt: Date, metadata: Record<string, string>): ConversationObject => ({
  id,
  object: 'conversation',
  created_at: Math.floor(createdAt.getTime() / 1000),
  metadata,
});

export const conversationDeleted = (id: string) => ({ id, object: 'conversation.deleted' as const, deleted: true as const });

/** POST /v1/conversations: its first items (normalised as a turn's input is) and metadata. */
export function parseCreateConversation(body: unknown): { items: NormalizedInputItem[]; metadata: Record<string, string>; user: string | null } {
  const parsed = parseOrThrow(createSchema, body ?? {});
  return { items: historyItems(parsed.items ?? []), metadata: parsed.metadata ?? {}, user: parsed.user ?? null };
}

/** POST /v1/conversations/{id}: the metadata that replaces the conversation's. */
export function parseUpdateConversation(body: unknown): { metadata: Record<string, string> } {
  return parseOrThrow(updateSchema, body);
}

/** POST /v1/conversations/{id}/items */
export function parseAddItems(body: unknown): NormalizedInputItem[] {
  return historyItems(parseOrThrow(addItemsSchema, body).items);
}

function historyItems(items: InputItem[]): NormalizedInputItem[] {
  items.forEach((item, i) => {
    if (!ITEM_TYPES.has(item.type)) throw badRequest(`items[${i}].type`, `A conversation holds messages, function calls and their outputs, not '${item.type}' items`);
  });
  return inputItems({ input: items });
}
