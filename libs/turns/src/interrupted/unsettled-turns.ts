import { Injectable } from '@nestjs/common';
import { logger, Periodic, projectDay } from '@genaug/kernel';
import { EventStore, WrongExpectedVersionError } from '@genaug/event-store';
import { TurnGate } from '@genaug/governance';
import { ProjectDirectory } from '@genaug/projects';
import type { UsageRecordedData } from '../turn.events';
import { foldTurn, turnEventMetadata, type TurnState } from '../read-response/turn-state';
import { turnStream } from '../turn.events';
import { recordedTurn } from '../request-turn/recorded-turn';
import { unspentUsage } from '../cancel-turn/cancelled-usage';

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
 * second count. A cancelled turn whose process died before it recorded its usage is settled too.
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
        const state = foldTurn(await this.store.readStream(turnStream(responseId)));
        // Still queued or running (or run again after its process died): it settles itself.
        if (!state || !(state.usage || this.orphaned(state, now))) continue;
        const settings = await this.directory.settings(state.projectId);
        const usage = state.usage ?? (await this.recordUnspent(state, projectDay(state.createdAt, settings.timezone ?? 'UTC')));
        if (!usage) continue;
        logger.warn({ response_id: responseId }, 'turn left unsettled by its process: settled from its recorded usage');
        await this.gate.settle(recordedTurn(state.projectId, settings, state.requested), { cost_usd: usage.cost_usd, messages: usage.messages }, { onlyHeld: true });
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'unsettled turns sweep failed');
    }
  }

  /** Cancelled long enough ago that its runner, had it lived, would have recorded what it spent. */
  private orphaned(state: TurnState, now: Date): boolean {
    return !!state.cancelled && now.getTime() - Date.parse(state.cancelled.cancelled_at) >= UNSETTLED_AFTER_MS;
  }

  /**
   * A turn cancelled while it ran, whose runner died before it recorded what it spent (that is
   * lost with it): its usage is recorded as nothing spent, so it is settled instead of holding
   * its reservation for an hour. Null when its runner recorded meanwhile.
   */
  private async recordUnspent(state: TurnState, day: string): Promise<UsageRecordedData | null> {
    const usage = unspentUsage(state.requested, day);
    try {
      await this.store.append(turnStream(state.requested.response_id), [{ type: 'UsageRecorded', data: usage, metadata: turnEventMetadata(state, 'system:worker') }], {
        expectedVersion: state.version,
      });
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) return null;
      throw err;
    }
    return usage;
  }
}
