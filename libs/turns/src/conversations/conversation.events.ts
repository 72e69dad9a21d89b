import { z } from 'zod';
import { registerEvents } from '@genaug/event-store';

// A server-side conversation: the items of its turns (and of POST /v1/conversations/{id}/items),
// in order, sealed for the turn's user (for items added directly, the conversation's user, or
// the project's anonymous user when it has none).
// Started by POST /v1/conversations (`api`, with its metadata) or by the first turn naming a
// client's own id (`turn`).
const conversationStarted = z.object({
  conversation_id: z.string(),
  created_by: z.enum(['api', 'turn']),
  metadata: z.record(z.string(), z.string()).default({}),
  /** The app user it belongs to (POST /v1/conversations `user`): items added directly are sealed for them. */
  user: z.string().nullable().default(null),
});
const conversationItemsAdded = z.object({
  response_id: z.string().nullable(),
  user: z.string(),
  items_sealed: z.string().startsWith('sealed:v1:'),
  count: z.number().int().min(0),
});
/** The metadata replaced whole (POST /v1/conversations/{id}). */
const conversationUpdated = z.object({ metadata: z.record(z.string(), z.string()) });
/** One item taken out: later turns no longer read it. */
const conversationItemDeleted = z.object({ item_id: z.string() });
/** The conversation is gone for its project: reads and turns naming it are 404s. */
const conversationDeleted = z.object({});

registerEvents({
  ConversationStarted: conversationStarted,
  ConversationItemsAdded: conversationItemsAdded,
  ConversationUpdated: conversationUpdated,
  ConversationItemDeleted: conversationItemDeleted,
  ConversationDeleted: conversationDeleted,
});

/** Conversations live inside a project: the same id in two projects is two conversations. */
export const conversationStream = (projectId: string, conversationId: string) => `conversation-${projectId}-${conversationId}`;
