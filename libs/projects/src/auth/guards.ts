import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ProjectAuth } from './project-auth.service';

const bearer = (header: unknown): string | undefined => {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1].trim() : undefined;
};

/** Routes an app backend calls with its project key (`/v1/...`). */
@Injectable()
export class ProjectKeyGuard implements CanActivate {
  constructor(private readonly auth: ProjectAuth) {}
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest();
    req.genaugCaller = await this.auth.projectKey(bearer(req.headers.authorization), 'responses');
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
