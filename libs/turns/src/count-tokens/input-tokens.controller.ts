import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AppError, contextOf } from '@genaug/kernel';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import type { InputTokenCount } from '@genaug/responses';
import { InputTokenCounter } from './input-token-counter';

@Controller('v1/responses')
@UseGuards(ProjectKeyGuard)
export class InputTokensController {
  constructor(private readonly counter: InputTokenCounter) {}

  @Post('input_tokens')
  @HttpCode(200)
  async count(@CurrentCaller() caller: Caller, @Body() body: unknown, @Req() req: any): Promise<InputTokenCount> {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    return this.counter.count(caller, body, contextOf(req));
  }
}
