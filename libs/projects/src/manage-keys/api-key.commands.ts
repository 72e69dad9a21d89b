import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@genaug/kernel';
import { EventStore, ReadYourWrites, handleCommand, type EventMetadata } from '@genaug/event-store';
import { generateApiKey } from '../api-keys';
import { ProjectAuth } from '../auth/project-auth.service';
import { projectDecider } from '../project.decider';
import { projectStream, type KeyEnvironment, type KeyScope } from '../project.events';

export class IssueApiKey {
  constructor(
    readonly projectId: string,
    readonly scopes: KeyScope[],
    readonly environment: KeyEnvironment,
    readonly label: string | null,
    readonly metadata: EventMetadata,
  ) {}
}

export class RevokeApiKey {
  constructor(
    readonly projectId: string,
    readonly keyId: string,
    readonly metadata: EventMetadata,
  ) {}
}

@CommandHandler(IssueApiKey)
export class IssueApiKeyHandler implements ICommandHandler<IssueApiKey, { keyId: string; raw: string }> {
  constructor(
    private readonly store: EventStore,
    private readonly ryw: ReadYourWrites,
  ) {}

  async execute(cmd: IssueApiKey) {
    const keyId = newId('key');
    const key = generateApiKey(cmd.environment);
    const res = await handleCommand(
      this.store,
      projectStream(cmd.projectId),
      projectDecider,
      { type: 'IssueApiKey', keyId, prefix: key.prefix, hash: key.hash, scopes: cmd.scopes, environment: cmd.environment, label: cmd.label },
      { metadata: { ...cmd.metadata, project_id: cmd.projectId }, retryOnConflict: true },
    );
    await this.ryw.waitFor('projects', res.lastPosition);
    return { keyId, raw: key.raw };
  }
}

@CommandHandler(RevokeApiKey)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKey, void> {
  constructor(
    private readonly store: EventStore,
    private readonly ryw: ReadYourWrites,
    private readonly auth: ProjectAuth,
  ) {}

  async execute(cmd: RevokeApiKey) {
    const res = await handleCommand(
      this.store,
      projectStream(cmd.projectId),
      projectDecider,
      { type: 'RevokeApiKey', keyId: cmd.keyId },
      { metadata: { ...cmd.metadata, project_id: cmd.projectId }, retryOnConflict: true },
    );
    const key = res.state.keys.get(cmd.keyId);
    if (key) this.auth.forget(key.prefix);
    if (res.events.length) await this.ryw.waitFor('projects', res.lastPosition);
  }
}
