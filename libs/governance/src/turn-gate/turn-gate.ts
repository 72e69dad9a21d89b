import { Inject, Injectable } from '@nestjs/common';
import { backoffCeilingMs, DATABASE_RETRY, isConnectionFault, logger } from '@genaug/kernel';
import { ModelRouter, priceFor, type ModelPrice, type ModelSettings } from '@genaug/models';
import type { ProjectSettings } from '@genaug/projects';
import type { CreateResponseRequest } from '@genaug/responses';
import { governanceOf } from '../governance-settings';
import { GOVERNANCE_OPTIONS, type GovernanceOptions } from '../governance.options';
import { monthOf, projectDay } from '../project-calendar';
import { intervalOf } from '../rate-limits/rate-limit-state';
import { KeyRateLimits } from '../rate-limits/key-rate-limits';
import { ThresholdNotices } from '../usage-thresholds/threshold-notices';
import { refusalError } from './limit-refusals';
import { worstCaseCostUsd } from './turn-reservation';
import { UsageLedger, type BudgetCaps, type Settlement } from '../usage-ledger';

/** What the gate needs to know about a turn (the turns slice's plan has all of it). */
export interface GovernedTurn {
  responseId: string;
  projectId: string;
  settings: ProjectSettings;
  user: string;
  anonymousUser: boolean;
  request: Pick<CreateResponseRequest, 'model' | 'max_output_tokens' | 'metadata' | 'text' | 'tools'>;
  /** Everything the model reads besides instructions: history and this input. */
  context: unknown[];
  instructions: string | null;
  /** The most UTF-8 bytes of the user's memories the model may read besides these (they may still be looked up). */
  memoryBytes?: number;
  /** The request's context: its API key request is counted with the admission. */
  ctx?: object;
}

/** What the turn actually used, as its UsageRecorded event says. */
export interface SettledUsage {
  cost_usd: number;
  messages: number;
}

const bytes = (value: unknown) => (value == null ? 0 : Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value)));
const NO_MODEL_SETTINGS = {};

/**
 * The governance gate of a turn. `admit` runs before anything is written: the user's burst
 * limit, the plan's daily turn limit and every budget cap, reserving the turn's worst-case
 * cost in the same atomic step (429 or 402 when refused). `settle` runs once the outcome is
 * recorded, with what the turn actually cost, streamed, cut off or failed alike; `release`
 * gives the reservation back for a turn that never ran.
 */
@Injectable()
export class TurnGate {
  private readonly priceCache = new WeakMap<object, Map<string, Array<ModelPrice | undefined>>>();
  /** Settlements waiting to be sent again, with their timers. */
  private readonly retries = new Map<() => void, NodeJS.Timeout>();
  private stopping = false;

  constructor(
    @Inject(GOVERNANCE_OPTIONS) private readonly options: GovernanceOptions,
    private readonly ledger: UsageLedger,
    private readonly router: ModelRouter,
    private readonly notices: ThresholdNotices,
    private readonly keyLimits: KeyRateLimits,
  ) {}

  /**
   * Counts the turn request of `ctx` against its key's requests per minute (headers, 429) when
   * no admission did: a retry answered from the turn an earlier request with its idempotency key
   * started (no turn limit or budget can refuse it), or a request that failed before admission.
   */
  async countRequest(ctx: object): Promise<void> {
    if (this.options.enabled) await this.keyLimits.takeLeftover(ctx);
  }

  /**
   * Leaves a turn request that came without HTTP (a WebSocket event) to be counted against its
   * key's requests per minute with its admission, as the project key guard does for POST
   * /v1/responses.
   */
  deferKeyRequest(ctx: object, caller: { projectId: string; keyId: string }): void {
    if (this.options.enabled) this.keyLimits.defer(ctx, { projectId: caller.projectId, keyId: caller.keyId });
  }

  /** Whether the project caps spending anywhere: only then does a turn's reservation decide its admission. */
  capsSpending(settings: ProjectSettings): boolean {
    if (!this.options.enabled) return false;
    const b = governanceOf(settings).budgets;
    return [b.project, b.user, b.feature].some((cap) => cap && (cap.daily_usd != null || cap.monthly_usd != null));
  }

  async admit(turn: GovernedTurn): Promise<void> {
    if (!this.options.enabled) return;
    const g = governanceOf(turn.settings);
    const timeZone = turn.settings.timezone ?? 'UTC';
    const now = this.options.clock.now();
    const day = projectDay(now, timeZone);
    const user = turn.anonymousUser ? null : turn.user;
    const feature = turn.request.metadata?.feature ?? null;
    const format = turn.request.text?.format;
    const reserveUsd = worstCaseCostUsd(
      {
        inputBytes:
          bytes(turn.context) +
          bytes(turn.instructions) +
          (turn.memoryBytes ?? 0) +
          bytes(turn.request.tools?.length ? turn.request.tools : null) +
          bytes(format?.type === 'json_schema' ? format.schema : null),
        maxOutputTokens: turn.request.max_output_tokens,
        mayRepair: format?.type === 'json_object' || (format?.type === 'json_schema' && !!format.strict),
      },
      this.prices(turn.request.model, turn.settings.models),
    );
    const b = g.budgets;
    const caps: BudgetCaps = {
      projectDay: b.project?.daily_usd ?? null,
      projectMonth: b.project?.monthly_usd ?? null,
      userDay: user ? (b.user?.daily_usd ?? null) : null,
      userMonth: user ? (b.user?.monthly_usd ?? null) : null,
      featureDay: feature ? (b.feature?.daily_usd ?? null) : null,
      featureMonth: feature ? (b.feature?.monthly_usd ?? null) : null,
    };
    const burst = { limit: g.user_burst.requests, periodMs: g.user_burst.window_seconds * 1000 };
    const admission = {
      responseId: turn.responseId,
      projectId: turn.projectId,
      day,
      month: monthOf(day),
      user,
      feature,
      reserveUsd,
      turnLimit: g.agent_turns_per_day,
      caps,
      burst: user ? { key: `user:${turn.projectId}:${user}`, intervalMs: intervalOf(burst), periodMs: burst.periodMs } : null,
      now,
    };
    const result = await this.keyLimits.takeWith(
      turn.ctx ?? turn,
      () => this.ledger.admit(admission),
      async (admitted) => {
        if (admitted.ok) await this.ledger.release(turn.responseId);
      },
    );
    if (!result.ok) {
      throw refusalError(result.refusal, {
        timeZone,
        now,
        requestedUsd: reserveUsd,
        burst: { requests: g.user_burst.requests, windowSeconds: g.user_burst.window_seconds },
      });
    }
  }

  /**
   * Starts settling and returns: the turn is recorded, its answer need not wait for the ledger
   * (its reservation holds until the settlement lands). Never throws. A turn is settled once,
   * however often this is called for it; `onlyHeld` settles it only while it holds its
   * reservation (a turn left unsettled by a process that died).
   */
  async settle(turn: GovernedTurn, usage: SettledUsage, options: { onlyHeld?: boolean } = {}): Promise<void> {
    if (!this.options.enabled) return;
    const now = this.options.clock.now();
    const day = projectDay(now, turn.settings.timezone ?? 'UTC');
    const settlement: Settlement = {
      responseId: turn.responseId,
      projectId: turn.projectId,
      day,
      month: monthOf(day),
      user: turn.anonymousUser ? null : turn.user,
      feature: turn.request.metadata?.feature ?? null,
      costUsd: usage.cost_usd,
      messages: usage.messages,
      turnLimit: governanceOf(turn.settings).agent_turns_per_day,
      now,
      onlyHeld: options.onlyHeld,
    };
    const attempt = (n: number): Promise<void> =>
      this.ledger
        .settle(settlement)
        .then((reached) => (reached.length ? this.notices.record(reached, now) : undefined))
        .catch((err) => {
          // Sent again while the database cannot be reached: one that did arrive (its reply lost
          // with the connection) finds its turn settled and changes nothing.
          if (isConnectionFault(err) && !this.stopping) {
            const retry = () => {
              this.retries.delete(retry);
              void attempt(n + 1);
            };
            this.retries.set(retry, setTimeout(retry, backoffCeilingMs(n, DATABASE_RETRY)));
            return;
          }
          logger.error({ project_id: turn.projectId, response_id: turn.responseId, err: (err as Error).message }, 'turn could not be settled');
        });
    void attempt(0);
  }

  /** On shutdown: settlements waiting to be sent again get one last try now, before the ledger's last round. */
  async stop(): Promise<void> {
    this.stopping = true;
    const waiting = [...this.retries];
    this.retries.clear();
    for (const [retry, timer] of waiting) {
      clearTimeout(timer);
      retry();
    }
    await this.ledger.flush();
  }

  /** Turns holding their reservation since before `cutoff`, oldest first. */
  async heldSince(cutoff: Date, limit: number): Promise<string[]> {
    return this.options.enabled ? this.ledger.heldSince(cutoff, limit) : [];
  }

  /** Gives back the reservation of a turn that will not run (a retry answered from the first request). */
  async release(turn: Pick<GovernedTurn, 'responseId' | 'projectId'>): Promise<void> {
    if (!this.options.enabled) return;
    try {
      await this.ledger.release(turn.responseId);
    } catch (err) {
      logger.error({ project_id: turn.projectId, response_id: turn.responseId, err: (err as Error).message }, 'reservation could not be released');
    }
  }

  /** Prices of every model that may answer, cached per model settings object. */
  private prices(model: string, settings: ModelSettings | undefined): Array<ModelPrice | undefined> {
    const owner = settings ?? NO_MODEL_SETTINGS;
    let byModel = this.priceCache.get(owner);
    if (!byModel) this.priceCache.set(owner, (byModel = new Map()));
    let prices = byModel.get(model);
    if (!prices) {
      const table = this.router.settingsFor(settings).prices;
      prices = this.router.resolve(model, settings).map((c) => priceFor(`${c.provider.name}/${c.model}`, table));
      byModel.set(model, prices);
    }
    return prices;
  }
}
