import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, from, switchMap, throwError, type Observable } from 'rxjs';
import { contextOf } from '@genaug/kernel';
import { callerOf } from '@genaug/projects';
import { GOVERNANCE_OPTIONS, type GovernanceOptions } from '../governance.options';
import { KeyRateLimits } from './key-rate-limits';

/**
 * Requests per minute per API key on every /v1 route, after the key is authenticated. Every
 * such response carries X-RateLimit-Limit/-Remaining/-Reset; a refused one is a 429 with
 * Retry-After. A turn (POST /v1/responses) is counted with its admission, in one ledger round;
 * if it fails before that, it is counted on the way out, and over the limit its answer is the 429.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(
    @Inject(GOVERNANCE_OPTIONS) private readonly options: GovernanceOptions,
    private readonly limits: KeyRateLimits,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.options.enabled || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest();
    const caller = callerOf(req);
    if (caller?.kind !== 'project_key' || !String(req.url ?? '').startsWith('/v1/')) return next.handle();
    const request = { projectId: caller.projectId, keyId: caller.keyId, reply: http.getResponse() };
    if (req.method === 'POST' && req.routeOptions?.url === '/v1/responses') {
      const ctx = contextOf(req);
      this.limits.defer(ctx, request);
      return next.handle().pipe(catchError((err) => from(this.limits.takeLeftover(ctx)).pipe(switchMap(() => throwError(() => err)))));
    }
    return from(this.limits.take(request)).pipe(switchMap(() => next.handle()));
  }
}
