import { Inject, Injectable } from '@nestjs/common';
import { logger, Periodic } from '@genaug/kernel';
import { GOVERNANCE_OPTIONS, type GovernanceOptions } from './governance.options';
import { UsageLedger } from './usage-ledger';
import { ThresholdNotices } from './usage-thresholds/threshold-notices';

const EVERY_MS = 30_000;
/** A turn holding its reservation this long died with its process; background turns wait in the queue well below it. */
const STALE_RESERVATION_MS = 60 * 60_000;
/** How long a settled turn stays marked so: far longer than any settlement is sent again. */
const SETTLED_MARK_MS = 7 * 24 * 60 * 60_000;
/** A threshold without its event this long was left behind by a process that died. */
const THRESHOLD_GRACE_MS = 10_000;

/**
 * Worker housekeeping for the ledger: releases reservations of turns that will never settle,
 * and records thresholds whose event was never appended.
 */
@Injectable()
export class GovernanceSweeper {
  private readonly periodic = new Periodic(EVERY_MS, () => this.sweep());

  constructor(
    @Inject(GOVERNANCE_OPTIONS) private readonly options: GovernanceOptions,
    private readonly ledger: UsageLedger,
    private readonly notices: ThresholdNotices,
  ) {}

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  async sweep(): Promise<void> {
    const now = this.options.clock.now();
    try {
      for (const responseId of await this.ledger.heldSince(new Date(now.getTime() - STALE_RESERVATION_MS))) {
        if (await this.ledger.release(responseId)) logger.warn({ response_id: responseId }, 'stale turn reservation released');
      }
      await this.notices.recordLeftBehind(new Date(now.getTime() - THRESHOLD_GRACE_MS), now);
      await this.ledger.forgetSettledBefore(new Date(now.getTime() - SETTLED_MARK_MS));
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'governance sweep failed');
    }
  }
}
