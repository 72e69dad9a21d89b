import { Injectable } from '@nestjs/common';
import { logger, Periodic } from '@genaug/kernel';
import { EventStore } from '@genaug/event-store';
import { TurnGate } from '@genaug/governance';
import { ProjectDirectory } from '@genaug/projects';
import type { TurnRequestedData, UsageRecordedData } from '../turn.events';
import { turnStream } from '../turn.events';
import { recordedTurn } from '../request-turn/recorded-turn';

const EVERY_MS = 30_000;
/** A turn that recorded its usage this long ago and still holds its reservation was not settled by its process. */
const UNSETTLED_AFTER_MS = 2 * 60_000;
/** Turns looked at per sweep. */
const AT_ONCE = 200;

/**
 * Worker housekeeping for turns whose process died between recording the turn's usage and
 * settling it: the worker settles them from the UsageRecorded event, so what they cost counts
 * against their budgets (without it, their reservation would be released an hour later and the
 * spend never counted). A turn is settled once: its own process settling it meanwhile is no
 * second count.
 */
@Injectable()
export class UnsettledTurns {
  private readonly periodic = new Periodic(EVERY_MS, () => this.sweep());

  constructor(
    private readonly gate: TurnGate,
    private readonly store: EventStore,
    private readonly directory: ProjectDirectory,
  ) {}

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** Settles every turn holding its reservation past UNSETTLED_AFTER_MS whose usage is recorded. */
  async sweep(now = new Date()): Promise<void> {
    try {
      for (const responseId of await this.gate.heldSince(new Date(now.getTime() - UNSETTLED_AFTER_MS), AT_ONCE)) {
        const events = await this.store.readStream(turnStream(responseId));
        const requested = events.find((e) => e.type === 'TurnRequested');
        const usage = events.find((e) => e.type === 'UsageRecorded');
        // Still queued or running (or run again after its process died): it settles itself.
        if (!requested || !usage) continue;
        const r = requested.data as TurnRequestedData;
        const u = usage.data as UsageRecordedData;
        const projectId = requested.metadata.project_id!;
        logger.warn({ response_id: responseId }, 'turn left unsettled by its process: settled from its recorded usage');
        await this.gate.settle(
          recordedTurn(projectId, await this.directory.settings(projectId), r),
          { cost_usd: u.cost_usd, messages: u.messages },
          { onlyHeld: true },
        );
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'unsettled turns sweep failed');
    }
  }
}
