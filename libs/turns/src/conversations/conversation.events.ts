import { z } from 'zod';
import { registerEvents } from '@genaug/event-store';

// A server-side conversation: the items of its turns, in order, sealed for the turn's user.
const conversationStarted = z.object({ conversation_id: z.string(), created_by: z.enum(['api', 'turn']) });
const conversationItemsAdded = z.object({
  response_id: z.string().nullable(),
  user: z.string(),
  items_sealed: z.string().startsWith('sealed:v1:'),
  count: z.number().int().min(0),
});

registerEvents({ ConversationStarted: conversationStarted, ConversationItemsAdded: conversationItemsAdded });

/** Conversations live inside a project: the same id in two projects is two conversations. */
export const conversationStream = (projectId: string, conversationId: string) => `conversation-${projectId}-${conversationId}`;
