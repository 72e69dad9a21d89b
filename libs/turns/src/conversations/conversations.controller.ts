import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { AppError, contextOf } from '@genaug/kernel';
import type { EventMetadata } from '@genaug/event-store';
import { actorOf, CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { Conversations } from './conversations';

/** /v1/conversations: the `openai` client's `conversations` and `conversations.items`, per project. */
@Controller('v1/conversations')
@UseGuards(ProjectKeyGuard)
export class ConversationsController {
  constructor(private readonly conversations: Conversations) {}

  @Post()
  @HttpCode(200)
  create(@CurrentCaller() caller: Caller, @Body() body: unknown, @Req() req: any) {
    return this.conversations.create(projectOf(caller), body, metadataOf(caller, req));
  }

  @Get(':conversation_id')
  get(@CurrentCaller() caller: Caller, @Param('conversation_id') id: string) {
    return this.conversations.get(projectOf(caller), id);
  }

  @Post(':conversation_id')
  @HttpCode(200)
  update(@CurrentCaller() caller: Caller, @Param('conversation_id') id: string, @Body() body: unknown, @Req() req: any) {
    return this.conversations.update(projectOf(caller), id, body, metadataOf(caller, req));
  }

  @Delete(':conversation_id')
  delete(@CurrentCaller() caller: Caller, @Param('conversation_id') id: string, @Req() req: any) {
    return this.conversations.delete(projectOf(caller), id, metadataOf(caller, req));
  }

  @Get(':conversation_id/items')
  listItems(@CurrentCaller() caller: Caller, @Param('conversation_id') id: string, @Query() query: unknown) {
    return this.conversations.listItems(projectOf(caller), id, query);
  }

  @Post(':conversation_id/items')
  @HttpCode(200)
  addItems(@CurrentCaller() caller: Caller, @Param('conversation_id') id: string, @Body() body: unknown, @Req() req: any) {
    return this.conversations.addItems(projectOf(caller), id, body, metadataOf(caller, req));
  }

  @Get(':conversation_id/items/:item_id')
  getItem(@CurrentCaller() caller: Caller, @Param('conversation_id') id: string, @Param('item_id') itemId: string) {
    return this.conversations.getItem(projectOf(caller), id, itemId);
  }

  @Delete(':conversation_id/items/:item_id')
  deleteItem(@CurrentCaller() caller: Caller, @Param('conversation_id') id: string, @Param('item_id') itemId: string, @Req() req: any) {
    return this.conversations.deleteItem(projectOf(caller), id, itemId, metadataOf(caller, req));
  }
}

function projectOf(caller: Caller): string {
  if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
  return caller.projectId;
}

function metadataOf(caller: Caller, req: any): EventMetadata {
  const ctx = contextOf(req);
  return { project_id: projectOf(caller), actor: actorOf(caller), correlation_id: ctx.requestId, trace_id: ctx.traceId };
}
