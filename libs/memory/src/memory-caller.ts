import { contextOf } from '@genaug/kernel';
import { actorOf, type Caller } from '@genaug/projects';
import type { CommandContext } from './command-context';

/** The project a memory route is scoped to: the project of the key that called it. */
export function projectOf(caller: Caller): string {
  if (caller.kind !== 'project_key') throw new Error('memory routes are guarded by ProjectKeyGuard');
  return caller.projectId;
}

export function commandContext(caller: Caller, req: unknown): CommandContext & { idempotencyKey: string | null } {
  const ctx = contextOf(req);
  return { actor: actorOf(caller), requestId: ctx.requestId, traceId: ctx.traceId, idempotencyKey: ctx.idempotencyKey };
}
