import { notFound } from '@genaug/kernel';
import {
  conversationDeleted,
  conversationObject,
  itemsPage,
  parseAddItems,
  parseCreateConversation,
  parseUpdateConversation,
  withItemId,
  type ConversationObject,
  type InputItemsPage,
} from '@genaug/responses';
import type { ContextItem } from '@genaug/turns';
import { newId, type Clock } from '@genaug/kernel';
import { BoundedMap } from '../bounded-map';

/** How many conversations the mock remembers. */
const CAPACITY = 10_000;

interface Entry {
  id: string;
  item: ContextItem;
  listed: Record<string, unknown> & { id: string };
}

interface MockConversation {
  id: string;
  createdAt: Date;
  metadata: Record<string, string>;
  entries: Entry[];
  /** Additions so far: each addition's items take their ids from it and their place, as on the server. */
  additions: number;
}

/** /v1/conversations and the conversations turns continue, in memory, answered as the server answers. */
export class MockConversations {
  private readonly conversations = new BoundedMap<string, MockConversation>(CAPACITY);
  /** Deleted ids stay deleted: a turn naming one is a 404, as on the server. */
  private readonly deleted = new BoundedMap<string, true>(CAPACITY);

  constructor(private readonly clock: Clock) {}

  create(body: unknown): ConversationObject {
    const { items, metadata } = parseCreateConversation(body);
    const conversation: MockConversation = { id: newId('conv'), createdAt: this.clock.now(), metadata, entries: [], additions: 0 };
    this.conversations.set(conversation.id, conversation);
    if (items.length) this.add(conversation, items);
    return this.object(conversation);
  }

  get(id: string): ConversationObject {
    return this.object(this.live(id));
  }

  update(id: string, body: unknown): ConversationObject {
    const conversation = this.live(id);
    conversation.metadata = parseUpdateConversation(body).metadata;
    return this.object(conversation);
  }

  delete(id: string) {
    this.live(id);
    this.conversations.delete(id);
    this.deleted.set(id, true);
    return conversationDeleted(id);
  }

  listItems(id: string, query: unknown): InputItemsPage {
    return itemsPage(this.live(id).entries.map((e) => e.listed), query, (after) => `No item '${after}' in this conversation`);
  }

  addItems(id: string, body: unknown): InputItemsPage {
    const added = this.add(this.live(id), parseAddItems(body)).map((e) => e.listed);
    return { object: 'list', data: added, first_id: added[0].id, last_id: added.at(-1)!.id, has_more: false };
  }

  getItem(id: string, itemId: string): Record<string, unknown> {
    const entry = this.live(id).entries.find((e) => e.id === itemId);
    if (!entry) throw notFound('Conversation item', 'item_id');
    return entry.listed;
  }

  deleteItem(id: string, itemId: string): ConversationObject {
    const conversation = this.live(id);
    const at = conversation.entries.findIndex((e) => e.id === itemId);
    if (at < 0) throw notFound('Conversation item', 'item_id');
    conversation.entries.splice(at, 1);
    return this.object(conversation);
  }

  /** What a turn continuing the conversation reads first; a client's own id starts one on first use. */
  history(id: string): ContextItem[] {
    const conversation = this.conversations.get(id);
    if (this.deleted.has(id) || (!conversation && id.startsWith('conv_'))) throw notFound('Conversation', 'conversation');
    return conversation?.entries.map((e) => e.item) ?? [];
  }

  /** A turn's input and output, added once it has answered. */
  addTurn(id: string, items: ContextItem[]): void {
    if (this.deleted.has(id)) return;
    let conversation = this.conversations.get(id);
    if (!conversation) this.conversations.set(id, (conversation = { id, createdAt: this.clock.now(), metadata: {}, entries: [], additions: 0 }));
    this.add(conversation, items);
  }

  private add(conversation: MockConversation, items: ContextItem[]): Entry[] {
    const addition = ++conversation.additions;
    const entries = items.map((item, i) => {
      const listed = withItemId(item as unknown as Record<string, unknown>, `${conversation.id}:${addition}:${i}`);
      return { id: listed.id, item, listed };
    });
    conversation.entries.push(...entries);
    return entries;
  }

  private live(id: string): MockConversation {
    const conversation = this.conversations.get(id);
    if (!conversation) throw notFound('Conversation', 'conversation_id');
    return conversation;
  }

  private object(conversation: MockConversation): ConversationObject {
    return conversationObject(conversation.id, conversation.createdAt, conversation.metadata);
  }
}
