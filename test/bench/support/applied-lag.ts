import type { Projection, StoredEvent } from '@genaug/event-store';

/** When each event was applied, and how long after its commit in the log (its recorded time). */
export type Samples = Map<string, { at: number; lagMs: number }[]>;

export const MEASURED = ['traces', 'usage', 'audit-log'];

/**
 * Wraps `apply` of the measured projections to time each event they apply. The projection
 * objects are the ones the worker's modules hold, so this times exactly what the worker runs.
 */
export function timeApplies(projections: Projection[]): Samples {
  const samples: Samples = new Map();
  for (const p of projections) {
    if (!MEASURED.includes(p.name)) continue;
    const apply = p.apply.bind(p);
    const list: { at: number; lagMs: number }[] = [];
    samples.set(p.name, list);
    p.apply = async (events: StoredEvent[], client) => {
      await apply(events, client);
      const now = Date.now();
      for (const e of events) list.push({ at: now, lagMs: now - e.recordedAt.getTime() });
    };
  }
  return samples;
}
