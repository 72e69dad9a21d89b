import { Injectable } from '@nestjs/common';
import { logger, Periodic, projectDay } from '@genaug/kernel';
import { EventStore, WrongExpectedVersionError, type StoredEvent } from '@genaug/event-store';
import { TurnGate } from '@genaug/governance';
import { ProjectDirectory } from '@genaug/projects';
import type { TurnRequestedData, UsageRecordedData } from '../turn.events';
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
        const events = await this.store.readStream(turnStream(responseId));
        const requested = events.find((e) => e.type === 'TurnRequested');
        if (!requested) continue;
        const r = requested.data as TurnRequestedData;
        const projectId = requested.metadata.project_id!;
        const settings = await this.directory.settings(projectId);
        let u = events.find((e) => e.type === 'UsageRecorded')?.data as UsageRecordedData | undefined;
        // Still queued or running (or run again after its process died): it settles itself.
        if (!u) u = (await this.recordUnspent(events, now, projectDay(r.created_at ? new Date(r.created_at) : requested.recordedAt, settings.timezone ?? 'UTC'))) ?? undefined;
        if (!u) continue;
        logger.warn({ response_id: responseId }, 'turn left unsettled by its process: settled from its recorded usage');
        await this.gate.settle(recordedTurn(projectId, settings, r), { cost_usd: u.cost_usd, messages: u.messages }, { onlyHeld: true });
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'unsettled turns sweep failed');
    }
  }

  /**
   * A turn cancelled while it ran, whose runner died before it recorded what it spent (that is
   * lost with it): its usage is recorded as nothing spent, so it is settled instead of holding
   * its reservation for an hour. Null for any other turn, or when its runner records meanwhile.
   */
  private async recordUnspent(events: StoredEvent[], now: Date, day: string): Promise<UsageRecordedData | null> {
    const cancelled = events.find((e) => e.type === 'TurnCancelled');
    if (!cancelled || now.getTime() - cancelled.recordedAt.getTime() < UNSETTLED_AFTER_MS) return null;
    const last = events[events.length - 1];
    const usage = unspentUsage(events[0].data as TurnRequestedData, day);
    try {
      await this.store.append(last.streamId, [{ type: 'UsageRecorded', data: usage, metadata: { ...cancelled.metadata, actor: 'system:worker' } }], {
        expectedVersion: last.streamVersion,
      });
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) return null;
      throw err;
    }
    return usage;
  }
}
