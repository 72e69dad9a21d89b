import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AppError, contextOf } from '@genaug/kernel';
import { Sealer } from '@genaug/event-store';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { parseCompactRequest, type CompactionResource, type ResponseObject } from '@genaug/responses';
import { TurnReader } from '../read-response/turn-reader';
import type { ContextItem } from '../request-turn/model-messages';
import { IDEMPOTENT_WAIT_MS, idempotencyInProgress, outcomeOf, TurnRequests } from '../request-turn/turn-requests';
import { compactionResource, compactionSummary, compactionTurnBody } from './compaction';
import { sealCompaction } from './compaction-seal';

/**
 * POST /v1/responses/compact: the conversation so far (a previous response's, the input, or
 * both) compacted into its user messages, kept verbatim, and one compaction item holding the
 * model's summary of everything else, sealed. Sent back as input, the item stands for that
 * conversation. The summary is a turn of its own: admitted by the gate, recorded, metered and
 * priced like any (`purpose: "compaction"`), never stored as a response.
 */
@Controller('v1/responses')
@UseGuards(ProjectKeyGuard)
export class CompactController {
  constructor(
    private readonly requests: TurnRequests,
    private readonly reader: TurnReader,
    private readonly sealer: Sealer,
  ) {}

  @Post('compact')
  @HttpCode(200)
  async compact(@CurrentCaller() caller: Caller, @Body() body: unknown, @Req() req: any): Promise<CompactionResource> {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    const turn = compactionTurnBody(parseCompactRequest(body));
    const started = await this.requests.start(caller, turn, contextOf(req), { purpose: 'compaction' });
    if (started.kind === 'running') {
      const outcome = await outcomeOf(started);
      if (!outcome) return this.earlier(caller.projectId, started.plan.responseId);
      if (outcome.failure) throw new AppError(outcome.httpStatus, outcome.failure.code, outcome.failure.message);
      return this.resource(outcome.response, started.plan.context, caller.projectId, started.plan.user);
    }
    if (started.kind === 'earlier') return this.earlier(caller.projectId, started.responseId);
    throw new Error(`a compaction cannot be ${started.kind}`);
  }

  /** A retry with the first request's X-Idempotency-Key: that request's compaction. */
  private async earlier(projectId: string, responseId: string): Promise<CompactionResource> {
    const state = await this.reader.waitForEnd(projectId, responseId, IDEMPOTENT_WAIT_MS);
    if (!state) throw idempotencyInProgress();
    if (state.requested.purpose !== 'compaction') {
      throw new AppError(422, 'idempotency_key_reused', 'This X-Idempotency-Key was used for another request', { param: 'X-Idempotency-Key' });
    }
    if (state.failed) throw new AppError(state.failed.status_code, state.failed.error.code, state.failed.error.message);
    const context = (await this.reader.context(state)) as ContextItem[];
    return this.resource(await this.reader.toResponse(state), context, projectId, state.requested.user);
  }

  private async resource(response: ResponseObject, context: ContextItem[], projectId: string, user: string): Promise<CompactionResource> {
    return compactionResource(response, context, await sealCompaction(this.sealer, projectId, user, compactionSummary(response)));
  }
}
