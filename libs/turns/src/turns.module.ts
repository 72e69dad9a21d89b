import { Module, type OnModuleInit } from '@nestjs/common';
import { SubscriptionHost } from '@genaug/event-store';
import { ModelsModule } from '@genaug/models';
import { BackgroundTurns } from './background/background-turns.reactor';
import { ConversationStore } from './conversations/conversation-store';
import { TurnReader } from './read-response/turn-reader';
import { ResponsesController } from './request-turn/responses.controller';
import { TurnPlanner } from './request-turn/turn-planner';
import { TurnRunner } from './request-turn/turn-runner';

@Module({
  imports: [ModelsModule],
  controllers: [ResponsesController],
  providers: [TurnReader, TurnRunner, TurnPlanner, ConversationStore, BackgroundTurns],
  exports: [TurnReader, TurnRunner, TurnPlanner, ConversationStore],
})
export class TurnsModule implements OnModuleInit {
  constructor(
    private readonly host: SubscriptionHost,
    private readonly background: BackgroundTurns,
  ) {}

  onModuleInit(): void {
    this.host.addReactor(this.background);
  }
}
