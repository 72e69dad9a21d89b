import { Body, Controller, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { parseOrThrow } from '@genaug/kernel';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { commandContext, projectOf } from '../memory-caller';
import { StoreMemory, type StoreMemoryResult } from './store-memory.command';
import { storeMemorySchema } from './store-memory.request';

@Controller('v1/memory')
@UseGuards(ProjectKeyGuard)
export class StoreMemoryController {
  constructor(private readonly commands: CommandBus) {}

  /** 201 with the new memory; 200 with the first one when the idempotency key was seen before. */
  @Post()
  async store(@CurrentCaller() caller: Caller, @Req() req: any, @Body() body: unknown, @Res({ passthrough: true }) reply: any) {
    const ctx = commandContext(caller, req);
    const raw: any = body ?? {};
    // The SDK sends the key in the body; the header the rest of the API uses works too.
    const withKey =
      ctx.idempotencyKey && typeof raw === 'object' && !Array.isArray(raw) && raw.idempotency_key == null
        ? { ...raw, idempotency_key: ctx.idempotencyKey }
        : raw;
    const input = parseOrThrow(storeMemorySchema, withKey);
    const result: StoreMemoryResult = await this.commands.execute(new StoreMemory(projectOf(caller), input, ctx));
    reply.status(result.replayed ? 200 : 201);
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    return result.memory;
  }
}
