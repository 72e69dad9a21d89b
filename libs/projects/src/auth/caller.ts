import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is calling: the root admin (X-Admin-Key) or a project key. */
export type Caller =
  | { kind: 'root' }
  | { kind: 'project_key'; projectId: string; keyId: string; scopes: string[]; environment: string };

export const callerOf = (req: any): Caller => req.genaugCaller;

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  return callerOf(ctx.switchToHttp().getRequest());
});

/** The actor recorded in event metadata: never the key itself. */
export const actorOf = (caller: Caller): string => (caller.kind === 'root' ? 'admin' : `api_key:${caller.keyId}`);
