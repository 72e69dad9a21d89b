import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@genaug/event-store';
import { MEMORY_COLUMNS, toMemoryView, type MemoryView } from './memory-view';
import { MEMORY_TABLE } from './projections/memories.projection';

export interface ProfileGroup {
  fact_type: string;
  count: number;
  updated_at: string;
  facts: MemoryView[];
}

export interface MemoryProfile {
  object: 'memory.profile';
  user_id: string;
  total: number;
  updated_at: string | null;
  types: ProfileGroup[];
}

/** Queries over the memory read model; every one is scoped to a project. */
@Injectable()
export class UserMemories {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(projectId: string, memoryId: string): Promise<MemoryView | null> {
    const res = await this.pool.query(`select ${MEMORY_COLUMNS} from ${MEMORY_TABLE} where project_id = $1 and memory_id = $2`, [
      projectId,
      memoryId,
    ]);
    return res.rowCount ? toMemoryView(res.rows[0]) : null;
  }

  async count(projectId: string, userId: string): Promise<number> {
    const res = await this.pool.query(`select count(*)::int as n from ${MEMORY_TABLE} where project_id = $1 and user_id = $2`, [
      projectId,
      userId,
    ]);
    return res.rows[0].n;
  }

  /** Newest first (memory ids are time-ordered); `after` is the last id of the previous page. */
  async list(projectId: string, userId: string, options: { limit: number; after?: string; factType?: string }): Promise<MemoryView[]> {
    const res = await this.pool.query(
      `select ${MEMORY_COLUMNS} from ${MEMORY_TABLE}
       where project_id = $1 and user_id = $2 and ($3::text is null or memory_id < $3) and ($4::text is null or fact_type = $4)
       order by memory_id desc limit $5`,
      [projectId, userId, options.after ?? null, options.factType ?? null, options.limit],
    );
    return res.rows.map(toMemoryView);
  }

  /**
   * The user's facts grouped by type, the most important first within each group (at most
   * `perType` of them), with each group's count and when it last changed. Groups are ordered
   * by their most important fact.
   */
  async profile(projectId: string, userId: string, perType: number): Promise<MemoryProfile> {
    const res = await this.pool.query(
      `with mine as (
         select ${MEMORY_COLUMNS},
           row_number() over (partition by fact_type order by importance desc, memory_id desc) as rank,
           count(*) over (partition by fact_type) as type_count,
           max(created_at) over (partition by fact_type) as type_updated,
           max(importance) over (partition by fact_type) as type_top
         from ${MEMORY_TABLE} where project_id = $1 and user_id = $2
       )
       select * from mine where rank <= $3 order by type_top desc, fact_type, rank`,
      [projectId, userId, perType],
    );
    const groups = new Map<string, ProfileGroup>();
    for (const r of res.rows) {
      let g = groups.get(r.fact_type);
      if (!g) {
        g = { fact_type: r.fact_type, count: Number(r.type_count), updated_at: new Date(r.type_updated).toISOString(), facts: [] };
        groups.set(r.fact_type, g);
      }
      g.facts.push(toMemoryView(r));
    }
    const types = [...groups.values()];
    const updated = types.map((g) => g.updated_at).sort().pop() ?? null;
    return { object: 'memory.profile', user_id: userId, total: types.reduce((n, g) => n + g.count, 0), updated_at: updated, types };
  }
}
