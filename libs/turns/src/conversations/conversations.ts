import { Injectable } from '@nestjs/common';
import { newId, notFound } from '@genaug/kernel';
import { EventStore, Sealer, WrongExpectedVersionError, type EventMetadata, type NewEvent } from '@genaug/event-store';
import {
  conversationDeleted,
  conversationObject,
  itemsPage,
  parseAddItems,
  withItemId,
  parseCreateConversation,
  parseUpdateConversation,
  type ConversationObject,
  type InputItemsPage,
  type NormalizedInputItem,
} from '@genaug/responses';
import { ANONYMOUS_USER } from '../turn.events';
import { ConversationStore } from './conversation-store';
import { conversationEntries, type ConversationState } from './conversation-state';
import { conversationStream } from './conversation.events';

/** Appends that lose to a turn of the conversation before one lands: each loss means it moved on. */
const MAX_TRIES = 20;

/**
 * The Conversations API over a conversation's stream. Items added here are sealed for the
 * conversation's user (`user` when it was made, ours), else for the project's anonymous user;
 * a turn's items stay sealed for the turn's user.
 */
@Injectable()
export class Conversations {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly conversations: ConversationStore,
  ) {}

  async create(projectId: string, body: unknown, metadata: EventMetadata): Promise<ConversationObject> {
    const { items, metadata: labels, user } = parseCreateConversation(body);
    const id = newId('conv');
    const events: NewEvent[] = [{ type: 'ConversationStarted', data: { conversation_id: id, created_by: 'api', metadata: labels, user }, metadata }];
    if (items.length) events.push(await this.itemsAdded(projectId, user, items, metadata));
    await this.store.append(conversationStream(projectId, id), events, { expectedVersion: 'no_stream' });
    return this.object(await this.live(projectId, id));
  }

  async get(projectId: string, id: string): Promise<ConversationObject> {
    return this.object(await this.live(projectId, id));
  }

  async update(projectId: string, id: string, body: unknown, metadata: EventMetadata): Promise<ConversationObject> {
    const { metadata: labels } = parseUpdateConversation(body);
    const state = await this.change(projectId, id, async () => [{ type: 'ConversationUpdated', data: { metadata: labels }, metadata }]);
    return this.object({ ...state, metadata: labels });
  }

  async delete(projectId: string, id: string, metadata: EventMetadata) {
    await this.change(projectId, id, async () => [{ type: 'ConversationDeleted', data: {}, metadata }]);
    return conversationDeleted(id);
  }

  async listItems(projectId: string, id: string, query: unknown): Promise<InputItemsPage> {
    const entries = await conversationEntries(await this.live(projectId, id), this.sealer);
    return itemsPage(entries.map((e) => e.listed), query, (after) => `No item '${after}' in this conversation`);
  }

  /** POST /v1/conversations/{id}/items: the items added, as a list. */
  async addItems(projectId: string, id: string, body: unknown, metadata: EventMetadata): Promise<InputItemsPage> {
    const items = parseAddItems(body);
    const state = await this.change(projectId, id, async (current) => [await this.itemsAdded(projectId, current.user, items, metadata)]);
    // Listed with the ids a read gives them: from the version their event was appended at.
    const added = items.map((item, i) => withItemId(item as unknown as Record<string, unknown>, `${id}:${state.version + 1}:${i}`));
    return { object: 'list', data: added, first_id: added[0].id, last_id: added.at(-1)!.id, has_more: false };
  }

  async getItem(projectId: string, id: string, itemId: string): Promise<Record<string, unknown>> {
    const entry = (await conversationEntries(await this.live(projectId, id), this.sealer)).find((e) => e.id === itemId);
    if (!entry) throw notFound('Conversation item', 'item_id');
    return entry.listed;
  }

  /** DELETE /v1/conversations/{id}/items/{item_id}: the conversation, without the item. */
  async deleteItem(projectId: string, id: string, itemId: string, metadata: EventMetadata): Promise<ConversationObject> {
    const state = await this.change(projectId, id, async (current) => {
      if (!(await conversationEntries(current, this.sealer)).some((e) => e.id === itemId)) throw notFound('Conversation item', 'item_id');
      return [{ type: 'ConversationItemDeleted', data: { item_id: itemId }, metadata }];
    });
    return this.object(state);
  }

  /** Items added directly, sealed for the conversation's user (the project's anonymous user when it has none). */
  private async itemsAdded(projectId: string, user: string | null, items: NormalizedInputItem[], metadata: EventMetadata): Promise<NewEvent> {
    const subject = user ?? ANONYMOUS_USER;
    return {
      type: 'ConversationItemsAdded',
      data: { response_id: null, user: subject, items_sealed: await this.sealer.sealJson(projectId, subject, items), count: items.length },
      metadata: { ...metadata, user: subject },
    };
  }

  /** The conversation unless it does not exist or was deleted (both a 404, as another project's is). */
  private async live(projectId: string, id: string): Promise<ConversationState> {
    const state = await this.conversations.load(projectId, id);
    if (!state || state.deleted) throw notFound('Conversation', 'conversation_id');
    return state;
  }

  /**
   * Appends what `decide` makes of the live conversation at its version, deciding again when a
   * turn appended first; returns the state it was decided on.
   */
  private async change(projectId: string, id: string, decide: (state: ConversationState) => Promise<NewEvent[]>): Promise<ConversationState> {
    for (let tries = 1; ; tries++) {
      const state = await this.live(projectId, id);
      try {
        await this.store.append(conversationStream(projectId, id), await decide(state), { expectedVersion: state.version });
        return state;
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError) || tries >= MAX_TRIES) throw err;
      }
    }
  }

  private object(state: ConversationState): ConversationObject {
    return conversationObject(state.conversationId, state.createdAt, state.metadata);
  }
}
