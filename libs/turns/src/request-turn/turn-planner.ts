import { Injectable, Optional } from '@nestjs/common';
import { AppError, badRequest, newId, systemClock, type RequestContext } from '@genaug/kernel';
import { MemoryRecall } from '@genaug/memory';
import { ModelRouter } from '@genaug/models';
import { actorOf, ProjectDirectory, type Caller, type ProjectSettings } from '@genaug/projects';
import { inputItems, type CreateResponseRequest } from '@genaug/responses';
import { Sealer } from '@genaug/event-store';
import { compactionMessage } from '../compact-turn/compaction';
import { openCompaction } from '../compact-turn/compaction-seal';
import { ConversationStore } from '../conversations/conversation-store';
import { TurnReader } from '../read-response/turn-reader';
import { ANONYMOUS_USER, type TurnPurpose } from '../turn.events';
import { outputAsContext, userText, type ContextItem } from './model-messages';
import { schemaProblem } from './structured-output';
import { projectDay, type TurnDraft, type TurnPlan } from './turn-plan';

export interface PlanOptions {
  /**
   * A response not stored (store: false) that this request may still continue: the last one of
   * the WebSocket connection that made it. Any other is no more found than by its GET.
   */
  unstoredPrevious?: string | null;
  /** A compaction (POST /v1/responses/compact) rather than the conversation's next answer. */
  purpose?: TurnPurpose;
}

/**
 * Decides everything about a turn before any event is written: the model is allowed, the
 * schema compiles, the history (previous response or conversation) belongs to the project.
 */
@Injectable()
export class TurnPlanner {
  constructor(
    private readonly directory: ProjectDirectory,
    private readonly router: ModelRouter,
    private readonly reader: TurnReader,
    private readonly conversations: ConversationStore,
    private readonly sealer: Sealer,
    @Optional() private readonly memoryRecall?: MemoryRecall,
  ) {}

  /**
   * The turn as far as it is decided before the gate admits it, and its user's memories: they
   * depend on this input only, so they are looked up from here on, while the history loads.
   */
  async plan(
    caller: Caller & { kind: 'project_key' },
    request: CreateResponseRequest,
    ctx: RequestContext,
    options: PlanOptions = {},
  ): Promise<{ draft: TurnDraft; memory: Promise<TurnPlan['memory']> }> {
    const projectId = caller.projectId;
    const settings = await this.directory.settings(projectId);
    this.check(request);
    this.router.resolve(request.model, settings.models);

    const conversationId = request.conversation?.id ?? null;
    const purpose = options.purpose ?? 'answer';
    const input = await this.openCompactions(projectId, inputItems(request) as ContextItem[]);
    const user = request.user ?? ANONYMOUS_USER;
    // A summary of the conversation is of the conversation alone.
    const memory = this.memory(projectId, purpose === 'compaction' ? null : (request.user ?? null), settings, input);
    // Awaited by the caller, or left when the history or the gate refuses the turn.
    memory.catch(() => undefined);
    const history = await this.history(projectId, request.previous_response_id ?? null, conversationId, options.unstoredPrevious ?? null);
    checkCallOutputs(history, input);
    const draft: TurnDraft = {
      responseId: newId('resp'),
      projectId,
      settings,
      request,
      instructions: request.instructions ?? null,
      input,
      context: [...history, ...input],
      memoryBytes: request.user && this.memoryRecall ? this.memoryRecall.contextBytesAtMost(settings) : 0,
      user,
      anonymousUser: !request.user,
      keyId: caller.keyId,
      actor: actorOf(caller),
      ctx,
      idempotencyKey: ctx.idempotencyKey,
      conversationId,
      day: projectDay(ctx.receivedAt ?? systemClock.now(), settings.timezone ?? 'UTC'),
      purpose,
    };
    return { draft, memory };
  }

  /**
   * Compaction items of the input, as the model reads them: their summary, as a developer
   * message (one whose user was erased since says nothing).
   */
  private async openCompactions(projectId: string, input: ContextItem[]): Promise<ContextItem[]> {
    if (!input.some((item) => item.type === 'compaction')) return input;
    const opened: ContextItem[] = [];
    for (const [i, item] of input.entries()) {
      if (item.type !== 'compaction') {
        opened.push(item);
        continue;
      }
      const summary = await openCompaction(this.sealer, projectId, item.encrypted_content, `input[${i}].encrypted_content`);
      if (summary !== null) opened.push(compactionMessage(summary));
    }
    return opened;
  }

  /** What the model reads before this input: the previous response's turn, or the conversation. */
  private async history(projectId: string, previousResponseId: string | null, conversationId: string | null, unstoredPrevious: string | null): Promise<ContextItem[]> {
    if (previousResponseId) {
      const previous = await this.reader.load(projectId, previousResponseId).catch(() => null);
      // One not stored (store: false) is no more found here than by GET /v1/responses/{id}.
      if (!previous || previous.deleted || (!previous.requested.store && previousResponseId !== unstoredPrevious)) {
        throw new AppError(404, 'not_found', 'Previous response not found', { param: 'previous_response_id' });
      }
      return [...(await this.reader.context(previous)), ...outputAsContext(await this.reader.output(previous))];
    }
    return conversationId ? this.conversations.items(projectId, conversationId) : [];
  }

  /** The user's memories most relevant to this input, unless the project turned memory off. */
  async memory(projectId: string, user: string | null, settings: ProjectSettings, input: ContextItem[]): Promise<TurnPlan['memory']> {
    if (!user || !this.memoryRecall || !this.memoryRecall.enabledFor(settings)) return { ids: [], text: null };
    const recalled = await this.memoryRecall.recall(projectId, user, userText(input), this.memoryRecall.limitsFor(settings));
    return { ids: recalled.map((m) => m.id), text: this.memoryRecall.asContext(recalled) };
  }

  private check(request: CreateResponseRequest): void {
    if (request.previous_response_id && request.conversation) {
      throw badRequest('conversation', 'Send either previous_response_id or conversation, not both');
    }
    if (request.background && request.store === false) {
      throw badRequest('store', 'A background response is read back with GET /v1/responses/{id}, so it must be stored: drop store: false');
    }
    const format = request.text?.format;
    if (format?.type === 'json_schema') {
      const problem = schemaProblem(format.schema);
      if (problem) throw badRequest('text.format.schema', `Invalid JSON schema: ${problem}`);
    }
    const choice = request.tool_choice;
    if (choice && typeof choice === 'object' && choice.type === 'function' && !(request.tools ?? []).some((t) => t.name === choice.name)) {
      throw badRequest('tool_choice', `tool_choice names '${choice.name}', which is not in tools`);
    }
    if (choice === 'required' && !(request.tools ?? []).length) throw badRequest('tool_choice', "tool_choice 'required' needs at least one tool");
  }
}

/** Every function_call_output answers a function_call before it, in the history or the input. */
function checkCallOutputs(history: ContextItem[], input: ContextItem[]): void {
  const calls = new Set<string>();
  for (const item of history as any[]) if (item.type === 'function_call') calls.add(item.call_id);
  (input as any[]).forEach((item, i) => {
    if (item.type === 'function_call') calls.add(item.call_id);
    else if (item.type === 'function_call_output' && !calls.has(item.call_id)) {
      throw badRequest(`input[${i}].call_id`, `No function_call with call_id '${item.call_id}' comes before this output (send previous_response_id, or the call itself)`);
    }
  });
}
