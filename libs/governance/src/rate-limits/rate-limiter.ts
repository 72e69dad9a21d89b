import type { Pool } from 'pg';
import { bucketState, intervalOf, type Bucket, type BucketState } from './rate-limit-state';

/**
 * Rate limit buckets shared by every process on the database: a take is one atomic upsert
 * (GCRA), so two replicas enforce one limit, not two. Time comes from the caller's clock.
 */
export class RateLimiter {
  constructor(private readonly pool: Pool) {}

  async take(key: string, bucket: Bucket, now: Date): Promise<BucketState> {
    const nowMs = now.getTime();
    const res = await this.pool.query('select allowed, tat_ms from genaug_take_rate_limit($1, $2, $3, $4)', [
      key,
      nowMs,
      intervalOf(bucket),
      bucket.periodMs,
    ]);
    const row = res.rows[0];
    return bucketState(bucket, row.allowed, Number(row.tat_ms), nowMs);
  }
}
