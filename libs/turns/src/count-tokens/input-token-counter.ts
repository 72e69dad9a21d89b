import { Injectable } from '@nestjs/common';
import type { RequestContext } from '@genaug/kernel';
import { ModelRouter } from '@genaug/models';
import type { Caller } from '@genaug/projects';
import { parseInputTokensRequest, type InputTokenCount } from '@genaug/responses';
import { toModelRequest } from '../request-turn/model-request';
import { TurnPlanner } from '../request-turn/turn-planner';

/**
 * POST /v1/responses/input_tokens (the openai client's responses.inputTokens.count): the input
 * tokens a turn with this request would cost, counted by the model that would answer it, from
 * what that model would read: planned as the turn would be (the previous response or the
 * conversation, compaction items opened, the same checks), with nothing recorded or run.
 */
@Injectable()
export class InputTokenCounter {
  constructor(
    private readonly planner: TurnPlanner,
    private readonly router: ModelRouter,
  ) {}

  async count(caller: Caller & { kind: 'project_key' }, body: unknown, ctx: RequestContext): Promise<InputTokenCount> {
    const request = parseInputTokensRequest(body);
    const { draft } = await this.planner.plan(caller, request, ctx);
    const counted = await this.router.countInputTokens({
      model: request.model,
      request: toModelRequest(request, draft.instructions, draft.context),
      settings: draft.settings.models,
    });
    return { object: 'response.input_tokens', input_tokens: counted.inputTokens };
  }
}
