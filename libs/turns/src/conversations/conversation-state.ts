import { ERASED, type Sealer, type StoredEvent } from '@genaug/event-store';
import { withItemId } from '@genaug/responses';
import type { ContextItem } from '../request-turn/model-messages';

/** A conversation's stream folded. */
export interface ConversationState {
  conversationId: string;
  createdAt: Date;
  metadata: Record<string, string>;
  /** Whom items added directly are sealed for. */
  user: string | null;
  deleted: boolean;
  /** Each ConversationItemsAdded: where it is in the stream (its items' ids come from there), and its items, sealed. */
  added: { version: number; itemsSealed: string }[];
  deletedItems: Set<string>;
  version: number;
}

/** One item of the conversation: as a turn's model reads it, and as the API lists it (with its id). */
export interface ConversationEntry {
  id: string;
  item: ContextItem;
  listed: Record<string, unknown> & { id: string };
}

export function foldConversation(conversationId: string, events: StoredEvent[]): ConversationState | null {
  if (!events.length) return null;
  const state: ConversationState = {
    conversationId,
    createdAt: events[0].recordedAt,
    metadata: {},
    user: null,
    deleted: false,
    added: [],
    deletedItems: new Set(),
    version: 0,
  };
  for (const e of events) {
    state.version = e.streamVersion;
    if (e.type === 'ConversationStarted') {
      state.metadata = e.data.metadata ?? {};
      state.user = e.data.user ?? null;
    }
    else if (e.type === 'ConversationItemsAdded') state.added.push({ version: e.streamVersion, itemsSealed: e.data.items_sealed });
    else if (e.type === 'ConversationUpdated') state.metadata = e.data.metadata;
    else if (e.type === 'ConversationItemDeleted') state.deletedItems.add(e.data.item_id);
    else if (e.type === 'ConversationDeleted') state.deleted = true;
  }
  return state;
}

/** The conversation's items in order, deleted ones left out (and erased users' ones, which read as nothing). */
export async function conversationEntries(state: ConversationState, sealer: Sealer): Promise<ConversationEntry[]> {
  const entries: ConversationEntry[] = [];
  for (const added of state.added) {
    const items = await sealer.unsealJson<ContextItem[]>(added.itemsSealed);
    if (items === ERASED) continue;
    items.forEach((item, i) => {
      const listed = withItemId(item as unknown as Record<string, unknown>, `${state.conversationId}:${added.version}:${i}`);
      if (!state.deletedItems.has(listed.id)) entries.push({ id: listed.id, item, listed });
    });
  }
  return entries;
}
