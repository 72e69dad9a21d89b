import { Inject, Injectable } from '@nestjs/common';
import { contextOf } from '@genaug/kernel';
import { ProjectDirectory, type Caller, type ProjectKeyRequestCheck } from '@genaug/projects';
import { governanceOf } from '../governance-settings';
import { GOVERNANCE_OPTIONS, type GovernanceOptions } from '../governance.options';
import { UsageLedger } from '../usage-ledger';
import { keyRateLimited, rateLimitHeaders, type Bucket, type BucketState } from './rate-limit-state';

/** One API key's request, waiting to be counted against the key's requests per minute. */
export interface KeyRequest {
  projectId: string;
  keyId: string;
  /**
   * The Fastify reply: headers go on its raw response, so streamed answers carry them too. None
   * for a request that has no headers of its own (a WebSocket event).
   */
  reply?: { raw: { setHeader(name: string, value: string): unknown } };
}

/**
 * Requests per minute per API key, on every /v1 route once the key is authenticated (the
 * project key guard runs `check`). Every such response carries X-RateLimit-Limit/-Remaining/
 * -Reset; a refused one is a 429 with Retry-After. Most requests are counted as they arrive; a
 * turn's request (POST /v1/responses) is counted together with the turn's admission, in the
 * same ledger round (`takeWith`), unless it fails before it gets there, in which case it is
 * counted then (`takeLeftover`) and, over the limit, answered with the 429.
 */
@Injectable()
export class KeyRateLimits implements ProjectKeyRequestCheck {
  private readonly waiting = new WeakMap<object, KeyRequest>();

  constructor(
    @Inject(GOVERNANCE_OPTIONS) private readonly options: GovernanceOptions,
    private readonly ledger: UsageLedger,
    private readonly projects: ProjectDirectory,
  ) {}

  async check(req: any, reply: NonNullable<KeyRequest['reply']>, caller: Caller & { kind: 'project_key' }): Promise<void> {
    if (!this.options.enabled) return;
    const request = { projectId: caller.projectId, keyId: caller.keyId, reply };
    if (req.method === 'POST' && req.routeOptions?.url === '/v1/responses') this.defer(contextOf(req), request);
    else await this.take(request);
  }

  /** Counts the request now: headers set, a 429 thrown when the key is over its limit. */
  async take(request: KeyRequest): Promise<void> {
    const now = this.options.clock.now();
    const state = await this.ledger.take(`key:${request.keyId}`, await this.bucket(request.projectId), now);
    this.answer(request, state, now);
  }

  /** Leaves the request to be counted with the turn of request context `ctx`. */
  defer(ctx: object, request: KeyRequest): void {
    this.waiting.set(ctx, request);
  }

  /** Counts a deferred request whose turn never reached its admission. */
  async takeLeftover(ctx: object): Promise<void> {
    const request = this.waiting.get(ctx);
    if (!request) return;
    this.waiting.delete(ctx);
    await this.take(request);
  }

  /**
   * Counts the deferred request of `ctx` in the same round as `work` (the turn's admission),
   * or just runs `work` when there is none. The request's 429 comes before anything `work`
   * throws; `undo` gives back what `work` took when the request is refused.
   */
  async takeWith<T>(ctx: object, work: () => Promise<T>, undo: (done: T) => Promise<void>): Promise<T> {
    const request = this.waiting.get(ctx);
    if (!request) return work();
    this.waiting.delete(ctx);
    const now = this.options.clock.now();
    const bucket = await this.bucket(request.projectId);
    // Started in the same tick, so both go in one ledger round.
    const [taken, done] = await Promise.allSettled([this.ledger.take(`key:${request.keyId}`, bucket, now), work()]);
    if (taken.status === 'rejected') throw taken.reason;
    if (!taken.value.allowed && done.status === 'fulfilled') await undo(done.value);
    this.answer(request, taken.value, now);
    if (done.status === 'rejected') throw done.reason;
    return done.value;
  }

  private async bucket(projectId: string): Promise<Bucket> {
    const { requests_per_minute } = governanceOf(await this.projects.settings(projectId));
    return { limit: requests_per_minute, periodMs: 60_000 };
  }

  private answer(request: KeyRequest, state: BucketState, now: Date): void {
    if (request.reply) for (const [name, value] of Object.entries(rateLimitHeaders(state))) request.reply.raw.setHeader(name, value);
    if (!state.allowed) throw keyRateLimited(state, now);
  }
}
