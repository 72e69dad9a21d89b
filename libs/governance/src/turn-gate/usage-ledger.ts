import type { Pool } from 'pg';

/** Ledger caps in the order the admit function ranks them. */
export interface BudgetCaps {
  projectDay: number | null;
  projectMonth: number | null;
  userDay: number | null;
  userMonth: number | null;
  featureDay: number | null;
  featureMonth: number | null;
}

export interface Admission {
  responseId: string;
  projectId: string;
  day: string;
  month: string;
  /** Null for anonymous turns: they have no user budget and no burst bucket. */
  user: string | null;
  feature: string | null;
  reserveUsd: number;
  turnLimit: number | null;
  caps: BudgetCaps;
  burst: { key: string; intervalMs: number; periodMs: number } | null;
  now: Date;
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

export interface Settlement {
  responseId: string;
  projectId: string;
  /** Where an unadmitted turn is metered; an admitted one is settled where it was reserved. */
  day: string;
  month: string;
  user: string | null;
  feature: string | null;
  costUsd: number;
  messages: number;
  turnLimit: number | null;
  now: Date;
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
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/**
 * The usage ledger in PostgreSQL: each operation is one call to a SQL function that locks the
 * rows it touches, so limits hold across every process on the database (see 001-governance.sql).
 */
export class UsageLedger {
  constructor(private readonly pool: Pool) {}

  async admit(a: Admission): Promise<AdmitResult> {
    const c = a.caps;
    const res = await this.pool.query(
      'select * from genaug_admit_turn($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)',
      [
        a.responseId,
        a.projectId,
        a.day,
        a.month,
        a.user,
        a.feature,
        usd(a.reserveUsd),
        a.turnLimit,
        [c.projectDay, c.projectMonth, c.userDay, c.userMonth, c.featureDay, c.featureMonth].map(usd),
        a.burst?.key ?? null,
        a.burst?.intervalMs ?? null,
        a.burst?.periodMs ?? null,
        a.now.getTime(),
        a.now,
      ],
    );
    const r = res.rows[0];
    if (r.ok) return { ok: true, admitted: num(r.used) };
    return {
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

  async settle(s: Settlement): Promise<ReachedThreshold[]> {
    const res = await this.pool.query('select * from genaug_settle_turn($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
      s.responseId,
      s.projectId,
      s.day,
      s.month,
      s.user,
      s.feature,
      usd(s.costUsd),
      s.messages,
      s.turnLimit,
      s.now,
    ]);
    return res.rows.map((r) => ({
      projectId: s.projectId,
      day: r.day,
      thresholdPercent: r.threshold_percent,
      agentTurnsCount: r.agent_turns_count,
      agentTurnsPerDay: r.agent_turns_per_day,
      messagesCount: Number(r.messages_count),
    }));
  }

  /** Gives back a reservation whose turn never ran; false when none was held. */
  async release(responseId: string, now: Date): Promise<boolean> {
    const res = await this.pool.query('select genaug_release_turn($1, $2) as released', [responseId, now]);
    return res.rows[0].released === true;
  }

  /** Reservations still held since before `cutoff`: turns whose process died before settling. */
  async heldSince(cutoff: Date, limit = 100): Promise<string[]> {
    const res = await this.pool.query(
      `select response_id from genaug_turn_reservations where state = 'held' and created_at < $1 order by created_at limit $2`,
      [cutoff, limit],
    );
    return res.rows.map((r) => r.response_id);
  }

  /** Drops settled and released reservations older than `cutoff` (their spend stays in the ledger). */
  async forgetSettled(cutoff: Date): Promise<number> {
    const res = await this.pool.query(`delete from genaug_turn_reservations where state <> 'held' and created_at < $1`, [cutoff]);
    return res.rowCount ?? 0;
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
    const res = await this.pool.query('select admitted, counted, messages from genaug_turn_counts where project_id = $1 and day = $2', [
      projectId,
      day,
    ]);
    const r = res.rows[0];
    return { admitted: num(r?.admitted), counted: num(r?.counted), messages: num(r?.messages) };
  }
}
