import { ERASED, isSealed, Sealer } from '@genaug/event-store';
import { compactionRefused } from './compaction';

// A compaction item's `encrypted_content` is its summary sealed for the turn's user, with the
// project that made it: only that project can read it back, and erasing the user erases it.

interface SealedCompaction {
  project_id: string;
  summary: string;
}

export function sealCompaction(sealer: Sealer, projectId: string, user: string, summary: string): Promise<string> {
  return sealer.sealJson(projectId, user, { project_id: projectId, summary } satisfies SealedCompaction);
}

/**
 * The summary a compaction item carries; null when its user has been erased since. Content this
 * project did not make (another project's, altered, made up) is a 400 naming `param`, the same
 * for each, so it tells nothing of other projects.
 */
export async function openCompaction(sealer: Sealer, projectId: string, encrypted: string, param: string): Promise<string | null> {
  const refused = () => compactionRefused(param);
  if (!isSealed(encrypted)) throw refused();
  let opened: SealedCompaction | typeof ERASED;
  try {
    opened = await sealer.unsealJson<SealedCompaction>(encrypted);
  } catch {
    throw refused();
  }
  if (opened === ERASED) return null;
  if (opened?.project_id !== projectId || typeof opened.summary !== 'string') throw refused();
  return opened.summary;
}
