import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Caller } from './caller';
import { ProjectAuth } from './project-auth.service';

/**
 * What a request must also pass once its project key is known; the governance module provides
 * it (the key's requests per minute). A check in the guard, not an interceptor: Nest's
 * interceptor chain costs every request far more than the check itself.
 */
export interface ProjectKeyRequestCheck {
  check(req: any, reply: any, caller: Caller & { kind: 'project_key' }): Promise<void>;
}
export const PROJECT_KEY_REQUEST_CHECK = Symbol('PROJECT_KEY_REQUEST_CHECK');

/** The token of an `Authorization: Bearer …` header. */
export const bearer = (header: unknown): string | undefined => {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1].trim() : undefined;
};

/** Routes an app backend calls with its project key (`/v1/...`). */
@Injectable()
export class ProjectKeyGuard implements CanActivate {
  constructor(
    private readonly auth: ProjectAuth,
    @Optional() @Inject(PROJECT_KEY_REQUEST_CHECK) private readonly requestCheck?: ProjectKeyRequestCheck,
  ) {}
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const http = ctx.switchToHttp();
    const req = http.getRequest();
    const caller = await this.auth.projectKey(bearer(req.headers.authorization), 'responses');
    req.genaugCaller = caller;
    await this.requestCheck?.check(req, http.getResponse(), caller);
    return true;
  }
}

/** Admin routes (`/api/v1/admin/...`): X-Admin-Key, root or a project key with the admin scope. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly auth: ProjectAuth) {}
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest();
    const header = req.headers['x-admin-key'] ?? bearer(req.headers.authorization);
    req.genaugCaller = await this.auth.admin(typeof header === 'string' ? header : undefined);
    return true;
  }
}
