import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, switchMap, type Observable } from 'rxjs';
import { callerOf } from '@genaug/projects';
import { governanceOf } from '../governance-settings';
import { GOVERNANCE_OPTIONS, type GovernanceOptions } from '../governance.options';
import { GovernedProjects } from '../governed-projects';
import { UsageLedger } from '../turn-gate/usage-ledger';
import { keyRateLimited, rateLimitHeaders } from './rate-limit-state';

const MINUTE_MS = 60_000;

/**
 * Requests per minute per API key on every /v1 route, after the key is authenticated. Every
 * such response carries X-RateLimit-Limit/-Remaining/-Reset; a refused one is a 429 with
 * Retry-After. Headers go on the raw response so streamed answers carry them too.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(
    @Inject(GOVERNANCE_OPTIONS) private readonly options: GovernanceOptions,
    private readonly ledger: UsageLedger,
    private readonly projects: GovernedProjects,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.options.enabled || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest();
    const caller = callerOf(req);
    if (caller?.kind !== 'project_key' || !String(req.url ?? '').startsWith('/v1/')) return next.handle();
    return from(this.take(caller.projectId, caller.keyId, http.getResponse())).pipe(switchMap(() => next.handle()));
  }

  private async take(projectId: string, keyId: string, reply: any): Promise<void> {
    const { requests_per_minute } = governanceOf(await this.projects.settings(projectId));
    const now = this.options.clock.now();
    const state = await this.ledger.take(`key:${keyId}`, { limit: requests_per_minute, periodMs: MINUTE_MS }, now);
    for (const [name, value] of Object.entries(rateLimitHeaders(state))) reply.raw.setHeader(name, value);
    if (!state.allowed) throw keyRateLimited(state, now);
  }
}
