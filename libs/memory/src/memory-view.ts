/** A memory as the API shows it. */
export interface MemoryView {
  id: string;
  object: 'memory';
  user_id: string;
  fact: string;
  fact_type: string;
  importance_score: number;
  source: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
}

export const MEMORY_COLUMNS = 'memory_id, user_id, fact, fact_type, importance, source, metadata, created_at';

export const toMemoryView = (r: any): MemoryView => ({
  id: r.memory_id,
  object: 'memory',
  user_id: r.user_id,
  fact: r.fact,
  fact_type: r.fact_type,
  importance_score: Number(r.importance),
  source: r.source,
  metadata: r.metadata,
  created_at: new Date(r.created_at).toISOString(),
});
