import { createHash } from 'crypto';
import type { Pool } from 'pg';

export interface BrokenLink {
  streamId: string;
  version: number;
  globalPosition: number;
  problem: 'hash_mismatch' | 'missing_version';
}

export interface ChainVerification {
  ok: boolean;
  streams: number;
  events: number;
  broken: BrokenLink | null;
}

export interface VerifyOptions {
  streamId?: string;
  projectId?: string;
  batchSize?: number;
  onProgress?: (eventsChecked: number) => void;
}

/**
 * Walks streams in (stream, version) order and recomputes each hash as
 * sha256(previous hash ‖ canonical event) in this process. The database supplies only the
 * canonical text of the stored row, so any change to a stored event breaks its link.
 */
export async function verifyChain(pool: Pool, options: VerifyOptions = {}): Promise<ChainVerification> {
  const batch = options.batchSize ?? 5000;
  let afterStream = '';
  let afterVersion = 0;
  let prevStream: string | null = null;
  let prevHash: Buffer = Buffer.alloc(0);
  let expectedVersion = 1;
  let streams = 0;
  let events = 0;
  for (;;) {
    const res = await pool.query(
      `select e.stream_id, e.stream_version, e.global_position, e.hash, s.version as head_version, s.last_hash as head_hash,
         genaug_canonical(e.stream_id, e.stream_version, e.event_id, e.type, e.schema_version, e.data, e.metadata, e.recorded_at) as canonical
       from genaug_events e left join genaug_streams s on s.stream_id = e.stream_id
       where (e.stream_id, e.stream_version) > ($1, $2)
         and ($3::text is null or e.stream_id = $3)
         and ($4::text is null or e.stream_id in (select stream_id from genaug_streams where project_id = $4))
       order by e.stream_id, e.stream_version limit $5`,
      [afterStream, afterVersion, options.streamId ?? null, options.projectId ?? null, batch],
    );
    for (const row of res.rows) {
      const version = Number(row.stream_version);
      if (row.stream_id !== prevStream) {
        prevStream = row.stream_id;
        prevHash = Buffer.alloc(0);
        expectedVersion = 1;
        streams++;
      }
      const link = { streamId: row.stream_id, version: expectedVersion, globalPosition: Number(row.global_position) };
      if (version !== expectedVersion) return { ok: false, streams, events, broken: { ...link, problem: 'missing_version' } };
      const hash = createHash('sha256').update(prevHash).update(row.canonical, 'utf8').digest();
      if (!hash.equals(row.hash)) return { ok: false, streams, events, broken: { ...link, version, problem: 'hash_mismatch' } };
      // The stream row keeps the head hash apart from the events: rewriting the last event
      // together with its own hash column still leaves the chain ending somewhere else.
      if (version === Number(row.head_version) && row.head_hash && !hash.equals(row.head_hash)) {
        return { ok: false, streams, events, broken: { ...link, version, problem: 'hash_mismatch' } };
      }
      prevHash = hash;
      expectedVersion++;
      events++;
    }
    options.onProgress?.(events);
    if (res.rows.length < batch) break;
    const last = res.rows[res.rows.length - 1];
    afterStream = last.stream_id;
    afterVersion = Number(last.stream_version);
  }
  // A stream whose head was cut off: the streams table knows the version it should reach.
  const heads = await pool.query(
    `select s.stream_id, s.version, coalesce(max(e.stream_version), 0) as last
     from genaug_streams s left join genaug_events e on e.stream_id = s.stream_id
     where ($1::text is null or s.stream_id = $1) and ($2::text is null or s.project_id = $2)
     group by s.stream_id, s.version having coalesce(max(e.stream_version), 0) <> s.version limit 1`,
    [options.streamId ?? null, options.projectId ?? null],
  );
  if (heads.rowCount) {
    const h = heads.rows[0];
    return {
      ok: false,
      streams,
      events,
      broken: { streamId: h.stream_id, version: Number(h.last) + 1, globalPosition: -1, problem: 'missing_version' },
    };
  }
  return { ok: true, streams, events, broken: null };
}
