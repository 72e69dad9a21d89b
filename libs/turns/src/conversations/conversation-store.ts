import { Injectable } from '@nestjs/common';
import { notFound } from '@genaug/kernel';
import { EventStore, Sealer, WrongExpectedVersionError, type EventMetadata, type StreamAppend } from '@genaug/event-store';
import type { ContextItem } from '../request-turn/model-messages';
import { conversationStream } from './conversation.events';
import { conversationEntries, foldConversation, type ConversationState } from './conversation-state';

/**
 * Server-side conversation state: each turn's input and output items appended to the
 * conversation's stream. Ids we issue (`conv_…`) must exist in the caller's project (else 404);
 * a client's own id starts a conversation on first use.
 */
@Injectable()
export class ConversationStore {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
  ) {}

  /** What a turn continuing the conversation reads first: its items, in order. */
  async items(projectId: string, conversationId: string): Promise<ContextItem[]> {
    const state = await this.load(projectId, conversationId);
    if (!state) {
      // Ids we issue exist only once made; a client's own id starts its conversation on first use.
      if (conversationId.startsWith('conv_')) throw notFound('Conversation', 'conversation');
      return [];
    }
    if (state.deleted) throw notFound('Conversation', 'conversation');
    return (await conversationEntries(state, this.sealer)).map((e) => e.item);
  }

  /** The conversation as its events tell it; null when it has none. */
  async load(projectId: string, conversationId: string): Promise<ConversationState | null> {
    return foldConversation(conversationId, await this.store.readStream(conversationStream(projectId, conversationId)));
  }

  /**
   * Appends a turn's items to its conversation in the same commit as `turn` (the turn's own
   * outcome), so a conversation turn still costs one durable commit. A client's own id starts
   * its conversation on first use; of two first turns racing, the second retries as a later one.
   */
  async appendWithTurn(
    turn: StreamAppend,
    conversation: { projectId: string; conversationId: string; user: string; responseId: string; items: ContextItem[] },
    metadata: EventMetadata,
  ): Promise<void> {
    const { projectId, conversationId, user, responseId, items } = conversation;
    const stream = conversationStream(projectId, conversationId);
    const added = {
      type: 'ConversationItemsAdded',
      data: { response_id: responseId, user, items_sealed: await this.sealer.sealJson(projectId, user, items), count: items.length },
      metadata,
    };
    const started = { type: 'ConversationStarted', data: { conversation_id: conversationId, created_by: 'turn' as const }, metadata };
    const attempts: StreamAppend[] = [
      { streamId: stream, events: [added], expectedVersion: 'stream_exists' },
      { streamId: stream, events: [started, added], expectedVersion: 'no_stream' },
      { streamId: stream, events: [added], expectedVersion: 'stream_exists' },
    ];
    for (let i = 0; ; i++) {
      try {
        // The conversation first: other turns append to it too, and the first stream of a
        // transaction cannot have been appended to by a newer one.
        await this.store.appendMany([attempts[i], turn]);
        return;
      } catch (err) {
        // Nothing was committed: try again, unless it is the turn's own stream that moved.
        if (!(err instanceof WrongExpectedVersionError) || err.streamId !== stream || i === attempts.length - 1) throw err;
      }
    }
  }
}
