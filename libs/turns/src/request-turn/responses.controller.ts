import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AppError, contextOf, notFound } from '@genaug/kernel';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { parseRetrieveQuery, type CreateResponseRequest, type ResponseStreamEvent } from '@genaug/responses';
import { TurnCancellation } from '../cancel-turn/turn-cancellation';
import { ResponseDeletion } from '../delete-response/response-deletion';
import { ResponseFollower } from '../follow-response/response-follower';
import { TurnReader } from '../read-response/turn-reader';
import { replayStream } from './replay';
import { SseWriter } from './sse-writer';
import { IDEMPOTENT_WAIT_MS, idempotencyInProgress, isQueued, outcomeOf, TurnRequests, unrecordedEvent } from './turn-requests';
import type { TurnOutcome } from './turn-runner';

@Controller('v1/responses')
@UseGuards(ProjectKeyGuard)
export class ResponsesController {
  constructor(
    private readonly requests: TurnRequests,
    private readonly reader: TurnReader,
    private readonly cancellation: TurnCancellation,
    private readonly deletion: ResponseDeletion,
    private readonly follower: ResponseFollower,
  ) {}

  @Post()
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown, @Req() req: any, @Res() reply: any): Promise<void> {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    const ctx = contextOf(req);
    const started = await this.requests.start(caller, body, ctx);
    if (started.kind === 'earlier') return this.answerRetry(caller.projectId, started.responseId, started.request, reply, ctx.requestId);
    if (started.kind === 'queued') {
      reply.status(200).send(started.response);
      return;
    }
    const { request, plan, turn } = started;
    if (request.stream) {
      reply.hijack();
      const sse = new SseWriter(reply.raw, { 'x-request-id': ctx.requestId });
      let sequence = -1;
      try {
        // The turn runs to the end whether or not the client is still there.
        for (let r = await turn.next(); !r.done; r = await turn.next()) {
          sse.event(r.value);
          sequence = r.value.sequence_number;
        }
      } catch (err) {
        // Its outcome could not be recorded here (the database failed, or another runner took
        // the turn over): the client is told so and the stream ends, never left open.
        sse.event(unrecordedEvent(err, sequence + 1));
      } finally {
        sse.end();
      }
      return;
    }
    const outcome = await outcomeOf(started);
    if (!outcome) return this.answerRetry(caller.projectId, plan.responseId, request, reply, ctx.requestId);
    this.send(reply, outcome);
  }

  /** A queued or running background response ends `cancelled`; cancelling it again answers the same. */
  @Post(':response_id/cancel')
  @HttpCode(200)
  async cancel(@CurrentCaller() caller: Caller, @Param('response_id') id: string) {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    return this.cancellation.cancel(caller, id);
  }

  /** An ended response is gone from the API (404 from then on); its events stay in the history. */
  @Delete(':response_id')
  async delete(@CurrentCaller() caller: Caller, @Param('response_id') id: string) {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    return this.deletion.delete(caller, id);
  }

  @Get(':response_id/input_items')
  async inputItems(@CurrentCaller() caller: Caller, @Param('response_id') id: string, @Query() query: unknown) {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    return this.reader.inputItems(caller.projectId, id, query);
  }

  /** The response; with `stream=true`, its stream after `starting_after`, followed live while it runs. */
  @Get(':response_id')
  async get(@CurrentCaller() caller: Caller, @Param('response_id') id: string, @Query() query: unknown, @Req() req: any, @Res() reply: any): Promise<void> {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    const { stream, startingAfter } = parseRetrieveQuery(query);
    if (!stream) return void reply.status(200).send(await this.reader.response(caller.projectId, id));
    const state = await this.reader.stored(caller.projectId, id);
    reply.hijack();
    const sse = new SseWriter(reply.raw, { 'x-request-id': contextOf(req).requestId });
    let sequence = startingAfter;
    try {
      for await (const event of this.follower.follow(state, startingAfter, () => sse.connected)) {
        sse.event(event);
        sequence = event.sequence_number;
      }
    } catch (err) {
      sse.event(unrecordedEvent(err, sequence + 1));
    } finally {
      sse.end();
    }
  }

  private send(reply: any, outcome: TurnOutcome): void {
    if (outcome.failure) {
      const err = new AppError(outcome.httpStatus, outcome.failure.code, outcome.failure.message, {
        details: { response: outcome.response },
      });
      reply.status(err.status).send(err.toBody());
      return;
    }
    reply.status(200).send(outcome.response);
  }

  /** A retry with the same key and body: the first request's response, without a new model call. */
  private async answerRetry(projectId: string, responseId: string, request: CreateResponseRequest, reply: any, requestId: string): Promise<void> {
    const state = await this.reader.waitForEnd(projectId, responseId, isQueued(request) ? 0 : IDEMPOTENT_WAIT_MS);
    if (!state) {
      if (isQueued(request)) {
        const queued = await this.reader.load(projectId, responseId).catch(() => null);
        if (queued) {
          reply.status(200).send(await this.reader.toResponse(queued));
          return;
        }
      }
      throw idempotencyInProgress();
    }
    // The first request's response was deleted since: a retry finds it no more than GET does.
    if (state.deleted) throw notFound('Response', 'response_id');
    const response = await this.reader.toResponse(state);
    if (request.stream) {
      reply.hijack();
      const sse = new SseWriter(reply.raw, { 'x-request-id': requestId });
      for (const event of replayStream(request, response) as Iterable<ResponseStreamEvent>) sse.event(event);
      sse.end();
      return;
    }
    if (state.failed) {
      const err = new AppError(state.failed.status_code, state.failed.error.code, state.failed.error.message, { details: { response } });
      reply.status(err.status).send(err.toBody());
      return;
    }
    reply.status(200).send(response);
  }
}
