import type { GeneralAugmentClient } from '@genaug/sdk';
import { allProjects } from '../commands/projects';

/**
 * The project admin checks read traces and usage in: the one named (--project or
 * GENAUG_PROJECT_ID), else the only project the admin key can see (a project admin key sees
 * just its own). Null when that is ambiguous.
 */
export async function projectInScope(client: GeneralAugmentClient, named: string | undefined): Promise<string | null> {
  if (named) return named;
  const visible = await allProjects(client);
  return visible.length === 1 ? visible[0].id : null;
}

/** A usage window that contains "today" in any project time zone. */
export function usageWindow(now = new Date()): { startDate: string; endDate: string } {
  const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  return { startDate: day(-1), endDate: day(1) };
}

/** Turns counted for one user in a usage report grouped by user. */
export function turnsOf(report: Record<string, unknown>, user: string): number {
  const rows = (report.data as Array<Record<string, unknown>> | undefined) ?? [];
  return Number(rows.find((row) => row.user === user)?.agent_turns ?? 0);
}
