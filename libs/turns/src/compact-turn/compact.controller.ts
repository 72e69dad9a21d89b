import { createHash } from 'crypto';
import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AppError, badRequest, contextOf } from '@genaug/kernel';
import { Sealer, WrongExpectedVersionError } from '@genaug/event-store';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { parseCompactRequest, responseOutputText, type CompactedUserMessage, type CompactionResource, type ResponseObject } from '@genaug/responses';
import { TurnReader } from '../read-response/turn-reader';
import type { ContextItem } from '../request-turn/model-messages';
import { IDEMPOTENT_WAIT_MS, idempotencyInProgress, TurnRequests } from '../request-turn/turn-requests';
import { turnStream } from '../turn.events';
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
    const compact = parseCompactRequest(body);
    const empty = compact.input == null || (Array.isArray(compact.input) && compact.input.length === 0);
    if (empty && !compact.previous_response_id) throw badRequest('input', 'Nothing to compact: send input, previous_response_id, or both');
    const turn = {
      model: compact.model,
      input: compact.input ?? [],
      previous_response_id: compact.previous_response_id,
      instructions: compact.instructions,
      prompt_cache_key: compact.prompt_cache_key,
      user: compact.user,
      safety_identifier: compact.safety_identifier,
      store: false,
    };
    const started = await this.requests.start(caller, turn, contextOf(req), { purpose: 'compaction' });
    if (started.kind === 'running') {
      let r;
      try {
        for (r = await started.turn.next(); !r.done; r = await started.turn.next());
      } catch (err) {
        // Another runner took the turn over (this one was thought gone): its outcome is this request's.
        if (err instanceof WrongExpectedVersionError && err.streamId === turnStream(started.plan.responseId)) return this.earlier(caller.projectId, started.plan.responseId);
        throw err;
      }
      const outcome = r.value;
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
    const users: CompactedUserMessage[] = [];
    context.forEach((item, i) => {
      if (item.type === 'message' && item.role === 'user') {
        users.push({ id: itemId('msg', response.id, i), type: 'message', role: 'user', status: 'completed', content: item.content as CompactedUserMessage['content'] });
      }
    });
    return {
      id: response.id,
      object: 'response.compaction',
      created_at: response.created_at,
      output: [...users, { id: itemId('cmp', response.id, context.length), type: 'compaction', encrypted_content: await sealCompaction(this.sealer, projectId, user, responseOutputText(response)) }],
      usage: response.usage!,
    };
  }
}

/** Item ids the same each time a compaction is read back: its response id and the item's place. */
const itemId = (prefix: string, responseId: string, index: number) => `${prefix}_${createHash('sha256').update(`${responseId}:${index}`).digest('hex').slice(0, 32)}`;
