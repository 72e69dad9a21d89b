import { Injectable } from '@nestjs/common';
import { notFound } from '@genaug/kernel';
import { ERASED, EventStore, Sealer, WrongExpectedVersionError, type EventMetadata } from '@genaug/event-store';
import type { ContextItem } from '../request-turn/model-messages';
import { conversationStream } from './conversation.events';

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

  async items(projectId: string, conversationId: string): Promise<ContextItem[]> {
    const events = await this.store.readStream(conversationStream(projectId, conversationId));
    if (events.length === 0 && conversationId.startsWith('conv_')) throw notFound('Conversation', 'conversation');
    const items: ContextItem[] = [];
    for (const e of events) {
      if (e.type !== 'ConversationItemsAdded') continue;
      const added = await this.sealer.unsealJson<ContextItem[]>(e.data.items_sealed);
      if (added !== ERASED) items.push(...added);
    }
    return items;
  }

  async exists(projectId: string, conversationId: string): Promise<boolean> {
    return (await this.store.streamVersion(conversationStream(projectId, conversationId))) > 0;
  }

  async start(projectId: string, conversationId: string, metadata: EventMetadata): Promise<void> {
    await this.store.append(
      conversationStream(projectId, conversationId),
      [{ type: 'ConversationStarted', data: { conversation_id: conversationId, created_by: 'api' }, metadata }],
      { expectedVersion: 'no_stream' },
    );
  }

  async append(
    projectId: string,
    conversationId: string,
    user: string,
    responseId: string,
    items: ContextItem[],
    metadata: EventMetadata,
  ): Promise<void> {
    const stream = conversationStream(projectId, conversationId);
    const added = {
      type: 'ConversationItemsAdded',
      data: { response_id: responseId, user, items_sealed: await this.sealer.sealJson(projectId, user, items), count: items.length },
      metadata,
    };
    try {
      await this.store.append(stream, [added], { expectedVersion: 'stream_exists' });
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError)) throw err;
      const started = { type: 'ConversationStarted', data: { conversation_id: conversationId, created_by: 'turn' as const }, metadata };
      try {
        await this.store.append(stream, [started, added], { expectedVersion: 'no_stream' });
      } catch (again) {
        if (!(again instanceof WrongExpectedVersionError)) throw again;
        await this.store.append(stream, [added], { expectedVersion: 'stream_exists' });
      }
    }
  }
}
