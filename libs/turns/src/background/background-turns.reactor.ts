import { Injectable } from '@nestjs/common';
import type { Reactor, StoredEvent } from '@genaug/event-store';
import { TurnResumer } from '../resume-turn/turn-resumer';

/**
 * Starts `background: true` turns in the worker. Only queued ones: an event delivered again
 * after its worker died finds the turn started, and InterruptedTurns takes over such turns.
 */
@Injectable()
export class BackgroundTurns implements Reactor {
  readonly name = 'background-turns';
  readonly types = ['TurnRequested'];

  constructor(private readonly resumer: TurnResumer) {}

  accepts(event: StoredEvent): boolean {
    return event.data.background === true;
  }

  async react(events: StoredEvent[]): Promise<void> {
    await Promise.all(events.map((e) => this.resumer.resume(e.data.response_id, 0)));
  }
}
