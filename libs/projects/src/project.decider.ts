import { AppError } from '@genaug/kernel';
import type { Decider } from '@genaug/event-store';
import type { KeyEnvironment, KeyScope, ProjectEvent } from './project.events';
import type { ProjectSettings } from './project-settings';

export interface ApiKeyState {
  keyId: string;
  prefix: string;
  hash: string;
  scopes: KeyScope[];
  environment: KeyEnvironment;
  revoked: boolean;
}

export interface ProjectState {
  exists: boolean;
  projectId: string | null;
  name: string;
  slug: string;
  settings: ProjectSettings | null;
  keys: Map<string, ApiKeyState>;
}

export type ProjectCommand =
  | { type: 'CreateProject'; projectId: string; name: string; slug: string; settings: ProjectSettings }
  | { type: 'UpdateProject'; name?: string; slug?: string; settings?: ProjectSettings }
  | { type: 'IssueApiKey'; keyId: string; prefix: string; hash: string; scopes: KeyScope[]; environment: KeyEnvironment; label: string | null }
  | { type: 'RevokeApiKey'; keyId: string };

const initialState = (): ProjectState => ({ exists: false, projectId: null, name: '', slug: '', settings: null, keys: new Map() });

function evolve(state: ProjectState, event: ProjectEvent): ProjectState {
  switch (event.type) {
    case 'ProjectCreated':
      return { ...state, exists: true, projectId: event.data.project_id, name: event.data.name, slug: event.data.slug, settings: event.data.settings };
    case 'ProjectUpdated':
      return {
        ...state,
        name: event.data.name ?? state.name,
        slug: event.data.slug ?? state.slug,
        settings: event.data.settings ?? state.settings,
      };
    case 'ApiKeyIssued': {
      const keys = new Map(state.keys);
      keys.set(event.data.key_id, {
        keyId: event.data.key_id,
        prefix: event.data.prefix,
        hash: event.data.hash,
        scopes: event.data.scopes,
        environment: event.data.environment,
        revoked: false,
      });
      return { ...state, keys };
    }
    case 'ApiKeyRevoked': {
      const keys = new Map(state.keys);
      const key = keys.get(event.data.key_id);
      if (key) keys.set(key.keyId, { ...key, revoked: true });
      return { ...state, keys };
    }
  }
}

function decide(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  if (command.type === 'CreateProject') {
    if (state.exists) throw new AppError(409, 'project_exists', 'Project already exists');
    return [
      { type: 'ProjectCreated', data: { project_id: command.projectId, name: command.name, slug: command.slug, settings: command.settings } },
    ];
  }
  if (!state.exists) throw new AppError(404, 'not_found', 'Project not found');
  switch (command.type) {
    case 'UpdateProject': {
      const data: { name?: string; slug?: string; settings?: ProjectSettings } = {};
      if (command.name !== undefined && command.name !== state.name) data.name = command.name;
      if (command.slug !== undefined && command.slug !== state.slug) data.slug = command.slug;
      if (command.settings !== undefined) data.settings = command.settings;
      return Object.keys(data).length ? [{ type: 'ProjectUpdated', data }] : [];
    }
    case 'IssueApiKey':
      return [
        {
          type: 'ApiKeyIssued',
          data: {
            key_id: command.keyId,
            prefix: command.prefix,
            hash: command.hash,
            scopes: command.scopes,
            environment: command.environment,
            label: command.label,
          },
        },
      ];
    case 'RevokeApiKey': {
      const key = state.keys.get(command.keyId);
      if (!key) throw new AppError(404, 'not_found', 'API key not found', { param: 'key_id' });
      return key.revoked ? [] : [{ type: 'ApiKeyRevoked', data: { key_id: command.keyId } }];
    }
  }
}

export const projectDecider: Decider<ProjectState, ProjectCommand, ProjectEvent> = { initialState, evolve, decide };
