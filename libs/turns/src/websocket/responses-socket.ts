import type { IncomingHttpHeaders } from 'http';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TurnGate } from '@genaug/governance';
import { bearer, ProjectAuth } from '@genaug/projects';
import { TurnRequests } from '../request-turn/turn-requests';
import type { SocketTurns } from './socket-connection';
import { ResponsesSocketServer } from './socket-server';

export const RESPONSES_SOCKET_OPTIONS = Symbol('RESPONSES_SOCKET_OPTIONS');
export interface ResponsesSocketOptions {
  lifetimeMs: number;
}

/**
 * WebSocket mode of POST /v1/responses on the API's HTTP server: upgraded with a project key
 * (refused as over HTTP), each response.create a turn request like an HTTP one.
 */
@Injectable()
export class ResponsesSocket implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: ResponsesSocketServer;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: ProjectAuth,
    private readonly requests: TurnRequests,
    private readonly gate: TurnGate,
    @Inject(RESPONSES_SOCKET_OPTIONS) private readonly options: ResponsesSocketOptions,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    // A process without the api role serves no HTTP.
    if (!adapter) return;
    this.server = new ResponsesSocketServer(adapter.getHttpServer(), {
      bodyLimitBytes: adapter.getInstance()?.initialConfig?.bodyLimit ?? 1024 * 1024,
      lifetimeMs: this.options.lifetimeMs,
      open: (headers) => this.open(headers),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server?.stop();
  }

  private async open(headers: IncomingHttpHeaders): Promise<SocketTurns> {
    const key = bearer(headers.authorization);
    await this.auth.projectKey(key, 'responses');
    return {
      start: async (body, ctx, unstoredPrevious) => {
        // A key revoked since the connection opened is refused from then on.
        const caller = await this.auth.projectKey(key, 'responses');
        // Counted against the key's requests per minute as the same request over HTTP is.
        this.gate.deferKeyRequest(ctx, caller);
        const started = await this.requests.start(caller, body, ctx, { unstoredPrevious });
        if (started.kind !== 'running') throw new Error(`a WebSocket turn cannot be ${started.kind}`);
        return { responseId: started.plan.responseId, turn: started.turn };
      },
    };
  }
}
