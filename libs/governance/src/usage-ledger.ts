import type { Pool } from 'pg';
import { BatchedCalls } from '@genaug/kernel';
import { bucketState, intervalOf, type Bucket, type BucketState } from './rate-limits/rate-limit-state';

/** Ledger caps in the order the admit function ranks them. */
export interface BudgetCaps {
  projectDay: number | null;
  projectMonth: number | null;
  userDay: number | null;
  userMonth: number | null;
  featureDay: number | null;
  featureMonth: number | null;
}

/** What the ledger keys a turn's rows by, for an admission and a settlement alike. */
interface LedgerTurn {
  responseId: string;
  projectId: string;
  day: string;
  month: string;
  /** Null for anonymous turns: they have no user budget and no burst bucket. */
  user: string | null;
  feature: string | null;
  turnLimit: number | null;
  now: Date;
}

export interface Admission extends LedgerTurn {
  reserveUsd: number;
  caps: BudgetCaps;
  burst: { key: string; intervalMs: number; periodMs: number } | null;
}

/** Why a turn was not admitted, as the ledger saw it. */
export interface Refusal {
  reason: 'user_rate_limit_exceeded' | 'daily_turn_limit_reached' | 'project_budget_exceeded' | 'user_budget_exceeded' | 'feature_budget_exceeded';
  scope: 'project' | 'user' | 'feature';
  subject: string;
  /** YYYY-MM-DD or YYYY-MM. */
  period: string | null;
  limit: number;
  used: number;
  reserved: number;
  retryAfterMs: number;
}

export type AdmitResult = { ok: true; admitted: number } | { ok: false; refusal: Refusal };

/** `day` and `month`: where an unadmitted turn is metered; an admitted one is settled where it was reserved. */
export interface Settlement extends LedgerTurn {
  costUsd: number;
  messages: number;
  /** Settles only a turn still holding its reservation (one left unsettled by a process that died). */
  onlyHeld?: boolean;
}

export interface ReachedThreshold {
  projectId: string;
  day: string;
  thresholdPercent: number;
  agentTurnsCount: number;
  agentTurnsPerDay: number;
  messagesCount: number;
}

export interface LedgerRow {
  scope: string;
  subject: string;
  period: string;
  spentUsd: number;
  reservedUsd: number;
}

const usd = (n: number | null) => (n === null ? null : n.toFixed(10));
/** A turn's keys as the round function reads them. */
const turnFields = (t: LedgerTurn) => ({
  response_id: t.responseId,
  project_id: t.projectId,
  day: t.day,
  month: t.month,
  user: t.user,
  feature: t.feature,
  turn_limit: t.turnLimit,
});
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** The longest a settlement waits for a round to ride along with. */
const SETTLE_WITHIN_MS = 20;

interface Take {
  key: string;
  bucket: Bucket;
}

type LedgerCall =
  | { kind: 'take'; take: Take; now: Date }
  | { kind: 'settle'; settlement: Settlement; now: Date }
  | { kind: 'admit'; admission: Admission; now: Date };

/**
 * The usage ledger and the rate-limit buckets in PostgreSQL. Limits hold across every process
 * on the database because each round locks the rows it touches (see the sql folder); the
 * takes, settlements and admissions a process has at the same moment go in one round, so the
 * rows every turn of a project shares are locked once for all of them, not once each.
 */
export class UsageLedger {
  // Settlements ride along with the next round, or go on their own after a moment: a turn's
  // reservation is only held a little longer, and a round less per turn is much less locking.
  private readonly rounds = new BatchedCalls<LedgerCall, unknown>((calls) => this.round(calls), { lazyMs: SETTLE_WITHIN_MS });

  constructor(private readonly pool: Pool) {}

  /** One request from a rate-limit bucket (GCRA); time comes from the caller's clock. */
  take(key: string, bucket: Bucket, now: Date): Promise<BucketState> {
    return this.rounds.call({ kind: 'take', take: { key, bucket }, now }) as Promise<BucketState>;
  }

  admit(a: Admission): Promise<AdmitResult> {
    return this.rounds.call({ kind: 'admit', admission: a, now: a.now }) as Promise<AdmitResult>;
  }

  /**
   * Thresholds of the daily turn limit this turn reached (each is reached by one turn only).
   * Called once per turn: a turn's outcome is appended once, and settling follows that append.
   */
  settle(s: Settlement): Promise<ReachedThreshold[]> {
    return this.rounds.call({ kind: 'settle', settlement: s, now: s.now }, true) as Promise<ReachedThreshold[]>;
  }

  /** Sends the settlements still waiting (on shutdown). */
  flush(): Promise<void> {
    return this.rounds.flush();
  }

  private async round(calls: LedgerCall[]): Promise<unknown[]> {
    const nowMs = Math.max(...calls.map((c) => c.now.getTime()));
    const takes: { at: number; take: Take }[] = [];
    const settles: { at: number; settlement: Settlement }[] = [];
    const admits: { at: number; admission: Admission }[] = [];
    calls.forEach((c, at) => {
      if (c.kind === 'take') takes.push({ at, take: c.take });
      else if (c.kind === 'settle') settles.push({ at, settlement: c.settlement });
      else admits.push({ at, admission: c.admission });
    });
    const values = [
      JSON.stringify(takes.map(({ take: t }) => ({ key: t.key, interval_ms: intervalOf(t.bucket), period_ms: t.bucket.periodMs }))),
      JSON.stringify(settles.map(({ settlement: s }) => ({ ...turnFields(s), cost: usd(s.costUsd), messages: s.messages, only_held: !!s.onlyHeld }))),
      JSON.stringify(
        admits.map(({ admission: a }) => ({
          ...turnFields(a),
          reserve: usd(a.reserveUsd),
          caps: [a.caps.projectDay, a.caps.projectMonth, a.caps.userDay, a.caps.userMonth, a.caps.featureDay, a.caps.featureMonth].map(usd),
          burst_key: a.burst?.key ?? null,
          burst_interval_ms: a.burst?.intervalMs ?? null,
          burst_period_ms: a.burst?.periodMs ?? null,
        })),
      ),
      nowMs,
      new Date(nowMs),
    ];
    // Named: parsed and planned once per connection, as the round runs once or more per turn.
    const res = await this.pool.query({ name: 'genaug_ledger_round', text: 'select * from genaug_ledger_round($1, $2, $3, $4, $5)', values });
    const out: unknown[] = new Array(calls.length);
    for (const { at } of settles) out[at] = [];
    for (const r of res.rows) {
      if (r.kind === 'take') {
        const { at, take } = takes[r.idx];
        out[at] = bucketState(take.bucket, r.ok, Number(r.tat_ms), nowMs);
      } else if (r.kind === 'settle') {
        const { at, settlement } = settles[r.idx];
        (out[at] as ReachedThreshold[]).push({
          projectId: settlement.projectId,
          day: r.day,
          thresholdPercent: r.threshold_percent,
          agentTurnsCount: r.agent_turns_count,
          agentTurnsPerDay: r.agent_turns_per_day,
          messagesCount: Number(r.messages_count),
        });
      } else {
        out[admits[r.idx].at] = r.ok
          ? { ok: true, admitted: num(r.used) }
          : {
              ok: false,
              refusal: {
                reason: r.reason,
                scope: r.scope,
                subject: r.subject ?? '',
                period: r.period,
                limit: num(r.limit_value),
                used: num(r.used),
                reserved: num(r.reserved),
                retryAfterMs: num(r.retry_after_ms),
              },
            };
      }
    }
    return out;
  }

  /** Gives back a reservation whose turn never ran; false when none was held. */
  async release(responseId: string): Promise<boolean> {
    const res = await this.pool.query('select genaug_release_turn($1) as released', [responseId]);
    return res.rows[0].released === true;
  }

  /** Forgets that turns settled before `cutoff` were settled (they are long past any second settlement). */
  async forgetSettledBefore(cutoff: Date): Promise<number> {
    const res = await this.pool.query('delete from genaug_settled_turns where settled_at < $1', [cutoff]);
    return res.rowCount ?? 0;
  }

  /** Reservations held since before `cutoff`: turns whose process died before settling. */
  async heldSince(cutoff: Date, limit = 100): Promise<string[]> {
    const res = await this.pool.query('select response_id from genaug_turn_reservations where created_at < $1 order by created_at limit $2', [
      cutoff,
      limit,
    ]);
    return res.rows.map((r) => r.response_id);
  }

  /** Turns of a project holding a reservation now. */
  async held(projectId: string): Promise<number> {
    const res = await this.pool.query('select count(*)::int as n from genaug_turn_reservations where project_id = $1', [projectId]);
    return res.rows[0].n;
  }

  /** A project's ledger rows for a day and its month. */
  async rows(projectId: string, day: string): Promise<LedgerRow[]> {
    const res = await this.pool.query(
      `select scope, subject, period, spent_usd, reserved_usd from genaug_usage_ledger
       where project_id = $1 and period in ($2, $3) order by scope, subject, period`,
      [projectId, day, day.slice(0, 7)],
    );
    return res.rows.map((r) => ({ scope: r.scope, subject: r.subject, period: r.period, spentUsd: Number(r.spent_usd), reservedUsd: Number(r.reserved_usd) }));
  }

  /** Agent turns of a project day: holding a slot (running or settled) and settled. */
  async turns(projectId: string, day: string): Promise<{ admitted: number; counted: number; messages: number }> {
    const res = await this.pool.query(
      `select turns_admitted, turns_counted, messages from genaug_usage_ledger
       where project_id = $1 and scope = 'project' and subject = '' and period = $2`,
      [projectId, day],
    );
    const r = res.rows[0];
    return { admitted: num(r?.turns_admitted), counted: num(r?.turns_counted), messages: num(r?.messages) };
  }
}
