import type { Pool } from 'pg';
import { z } from 'zod';
import { badRequest } from '@genaug/kernel';

/** `limit` and `after` of every cursor-paginated admin list. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().min(1).max(200).optional(),
});

export interface ListPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Rows fetched with `limit + 1`: the extra one only says there is more. */
export function listPage<R, T>(rows: R[], limit: number, view: (row: R) => T, cursorOf: (row: R) => string): ListPage<T> {
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { object: 'list', data: page.map(view), has_more: hasMore, next_cursor: hasMore ? cursorOf(page[page.length - 1]) : null };
}

/** `from` / `to` filters: an ISO timestamp or a plain date (its UTC midnight). */
export const instantSchema = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date or timestamp')
  .transform((s) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s));

/** A WHERE clause built from optional filters, with numbered parameters. */
export class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** Adds a condition whose `?` is bound to `value`. */
  add(sql: string, value: unknown): this {
    this.parts.push(sql.replace('?', this.param(value)));
    return this;
  }

  /** A parameter used outside the clause (a limit), as its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.parts.join(' and ');
  }
}

/**
 * One page of a project's rows newest first, by (`time`, `id`), after the row whose id is the
 * cursor: a 400 for a cursor that names no row of the project. Fetches `limit + 1` rows.
 */
export async function newestFirst(
  pool: Pool,
  q: { table: string; time: string; id: string; projectId: string; where: Conditions; after?: string; limit: number },
): Promise<any[]> {
  const { table, time, id, where } = q;
  if (q.after) {
    const known = await pool.query(`select 1 from ${table} where project_id = $1 and ${id} = $2`, [q.projectId, q.after]);
    if (!known.rowCount) throw badRequest('after', 'Unknown cursor: pass the next_cursor of a previous page', 'invalid_cursor');
    // Compared in SQL: timestamps keep their microseconds there.
    where.add(`(${time}, ${id}) < (select c.${time}, c.${id} from ${table} c where c.${id} = ?)`, q.after);
  }
  const res = await pool.query(`select * from ${table} where ${where.sql} order by ${time} desc, ${id} desc limit ${where.param(q.limit + 1)}`, where.params);
  return res.rows;
}
