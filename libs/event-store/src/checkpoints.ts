import { escapeLiteral, type Pool, type PoolClient } from 'pg';
import { LOG_START, type LogPosition } from './events';

type Runner = Pool | PoolClient;

export async function loadCheckpoint(runner: Runner, consumer: string): Promise<LogPosition> {
  const read = () =>
    runner.query('select transaction_id::text as tx, global_position as pos from genaug_checkpoints where consumer = $1', [consumer]);
  let res = await read();
  if (!res.rowCount) {
    // Written only the first time: a read-only batch then takes no transaction id of its own.
    await runner.query('insert into genaug_checkpoints (consumer) values ($1) on conflict do nothing', [consumer]);
    res = await read();
  }
  return { transactionId: res.rows[0].tx, globalPosition: Number(res.rows[0].pos) };
}

/**
 * Moves a checkpoint from `from` to `to`; false when someone else moved it meanwhile (a
 * rebuild reset it), so the caller rolls back and starts again from the stored position.
 */
export async function advanceCheckpoint(runner: Runner, consumer: string, from: LogPosition, to: LogPosition): Promise<boolean> {
  const res = await runner.query(
    `update genaug_checkpoints set transaction_id = $4::text::xid8, global_position = $5, updated_at = now()
     where consumer = $1 and transaction_id = $2::text::xid8 and global_position = $3`,
    [consumer, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition],
  );
  return res.rowCount === 1;
}

/** The SQLSTATE `genaug_advance_checkpoint` raises when the checkpoint is not where the caller left it. */
export const CHECKPOINT_MOVED = 'GAC01';

/**
 * The statement that moves a checkpoint from `from` to `to` and commits, as one simple query
 * (one round trip; parameters would need one statement per message). When the checkpoint has
 * moved, the function raises, the COMMIT is skipped and the caller rolls back.
 */
export function advanceAndCommitSql(consumer: string, from: LogPosition, to: LogPosition): string {
  return `select genaug_advance_checkpoint(${escapeLiteral(consumer)}, ${xid(from)}, ${int(from)}, ${xid(to)}, ${int(to)}); commit`;
}

const xid = (p: LogPosition): string => {
  if (!/^\d+$/.test(p.transactionId)) throw new Error(`not a transaction id: ${p.transactionId}`);
  return `'${p.transactionId}'::xid8`;
};
const int = (p: LogPosition): string => {
  if (!Number.isSafeInteger(p.globalPosition)) throw new Error(`not a log position: ${p.globalPosition}`);
  return String(p.globalPosition);
};

export async function resetCheckpoint(runner: Runner, consumer: string): Promise<void> {
  await runner.query(
    `insert into genaug_checkpoints (consumer, reset_at) values ($1, now())
     on conflict (consumer) do update set transaction_id = '0'::xid8, global_position = 0, updated_at = now(), reset_at = now()`,
    [consumer],
  );
}

export interface ConsumerLag {
  name: string;
  checkpoint: LogPosition;
  lagEvents: number;
  lagSeconds: number;
  resetAt: Date | null;
}

/** How far a consumer is behind the log: events not yet handled and the age of the oldest. */
export async function consumerLag(runner: Runner, consumer: string, types?: string[]): Promise<ConsumerLag> {
  const cp = await loadCheckpoint(runner, consumer);
  const res = await runner.query(
    `select count(*)::bigint as n, extract(epoch from (now() - min(recorded_at))) as age,
       (select reset_at from genaug_checkpoints where consumer = $4) as reset_at
     from genaug_events where (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
       and ($3::text[] is null or type = any($3::text[]))`,
    [cp.transactionId, cp.globalPosition, types && types.length ? types : null, consumer],
  );
  const row = res.rows[0];
  return {
    name: consumer,
    checkpoint: cp,
    lagEvents: Number(row.n),
    lagSeconds: row.age === null ? 0 : Math.max(0, Number(row.age)),
    resetAt: row.reset_at,
  };
}
