import { Inject, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SubscriptionHost } from '@genaug/event-store';
import { ModelsModule } from '@genaug/models';
import { BackgroundTurns } from './background/background-turns.reactor';
import { TurnCancellation } from './cancel-turn/turn-cancellation';
import { TurnCancels } from './cancel-turn/turn-cancels';
import { InputTokenCounter } from './count-tokens/input-token-counter';
import { InputTokensController } from './count-tokens/input-tokens.controller';
import { ModelsController } from './list-models/models.controller';
import { ResponseFollower } from './follow-response/response-follower';
import { StreamRelay } from './follow-response/stream-relay';
import { ResponseDeletion } from './delete-response/response-deletion';
import { CompactController } from './compact-turn/compact.controller';
import { ConversationStore } from './conversations/conversation-store';
import { Conversations } from './conversations/conversations';
import { ConversationsController } from './conversations/conversations.controller';
import { InterruptedTurns } from './interrupted/interrupted-turns';
import { RunnerHeartbeat } from './interrupted/runner-heartbeat';
import { UnsettledTurns } from './interrupted/unsettled-turns';
import { turnsInFlightProjection } from './interrupted/turns-in-flight.projection';
import { TurnReader } from './read-response/turn-reader';
import { ResponsesController } from './request-turn/responses.controller';
import { TurnRequests } from './request-turn/turn-requests';
import { TurnPlanner } from './request-turn/turn-planner';
import { TurnRunner } from './request-turn/turn-runner';
import { TurnResumer } from './resume-turn/turn-resumer';
import { RESPONSES_SOCKET_OPTIONS, ResponsesSocket } from './websocket/responses-socket';

const TURNS_OPTIONS = Symbol('TURNS_OPTIONS');

export interface TurnsModuleOptions {
  /** This process runs the worker role: it takes over turns whose process died. */
  runWorkers: boolean;
  /** How long a WebSocket connection to /v1/responses lives (default 60 minutes). */
  websocketLifetimeMs?: number;
}

@Module({})
export class TurnsModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(TURNS_OPTIONS) private readonly options: TurnsModuleOptions,
    private readonly host: SubscriptionHost,
    private readonly background: BackgroundTurns,
    private readonly heartbeat: RunnerHeartbeat,
    private readonly interrupted: InterruptedTurns,
    private readonly unsettled: UnsettledTurns,
  ) {}

  static forRoot(options: TurnsModuleOptions): DynamicModule {
    return {
      module: TurnsModule,
      imports: [ModelsModule],
      controllers: [ResponsesController, CompactController, InputTokensController, ConversationsController, ModelsController],
      providers: [
        { provide: TURNS_OPTIONS, useValue: options },
        { provide: RESPONSES_SOCKET_OPTIONS, useValue: { lifetimeMs: options.websocketLifetimeMs ?? 60 * 60_000 } },
        ResponsesSocket,
        TurnReader,
        TurnRunner,
        TurnPlanner,
        TurnRequests,
        TurnResumer,
        TurnCancels,
        StreamRelay,
        ResponseFollower,
        InputTokenCounter,
        TurnCancellation,
        ResponseDeletion,
        ConversationStore,
        Conversations,
        BackgroundTurns,
        RunnerHeartbeat,
        InterruptedTurns,
        UnsettledTurns,
      ],
      exports: [TurnReader, TurnRunner, TurnPlanner, ConversationStore],
    };
  }

  onModuleInit(): void {
    this.host.addReactor(this.background);
    this.host.addProjection(turnsInFlightProjection);
  }

  /** The runner says it is alive before it takes a turn. */
  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.start();
    if (this.options.runWorkers) {
      this.interrupted.start();
      this.unsettled.start();
    }
  }

  /** Turns taken over end while the database pool is open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.interrupted.stop();
    await this.unsettled.stop();
  }

  /** Beats until requests have finished: a runner that stops beating while it runs turns loses them. */
  onApplicationShutdown(): void {
    this.heartbeat.stop();
  }
}
