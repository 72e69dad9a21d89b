import { AppError } from '@genaug/kernel';
import { spec } from '../../event-store/src/decider-spec';
import { projectDecider } from '../src/project.decider';
import type { ProjectEvent } from '../src/project.events';
import { slugDecider } from '../src/slug.decider';

const created: ProjectEvent = {
  type: 'ProjectCreated',
  data: { project_id: 'proj_1', name: 'Support', slug: 'support', settings: { timezone: 'UTC' } },
};
const keyIssued: ProjectEvent = {
  type: 'ApiKeyIssued',
  data: { key_id: 'key_1', prefix: 'ga_dev_x', hash: 'a'.repeat(64), scopes: ['responses'], environment: 'development', label: null },
};

describe('project decider', () => {
  it('creates a project once', () => {
    spec(projectDecider)
      .given([])
      .when({ type: 'CreateProject', projectId: 'proj_1', name: 'Support', slug: 'support', settings: { timezone: 'UTC' } })
      .then([created]);
    spec(projectDecider)
      .given([created])
      .when({ type: 'CreateProject', projectId: 'proj_1', name: 'Support', slug: 'support', settings: { timezone: 'UTC' } })
      .thenThrows(AppError);
  });

  it('records only what an update changes', () => {
    spec(projectDecider).given([created]).when({ type: 'UpdateProject', name: 'Support', slug: 'support' }).then([]);
    spec(projectDecider)
      .given([created])
      .when({ type: 'UpdateProject', name: 'Help desk' })
      .then([{ type: 'ProjectUpdated', data: { name: 'Help desk' } }]);
  });

  it('refuses commands for a project that does not exist', () => {
    spec(projectDecider).given([]).when({ type: 'UpdateProject', name: 'x' }).thenThrows(/not found/);
  });

  it('issues keys and revokes each once', () => {
    spec(projectDecider)
      .given([created])
      .when({ type: 'IssueApiKey', keyId: 'key_1', prefix: 'ga_dev_x', hash: 'a'.repeat(64), scopes: ['responses'], environment: 'development', label: null })
      .then([keyIssued]);
    spec(projectDecider)
      .given([created, keyIssued])
      .when({ type: 'RevokeApiKey', keyId: 'key_1' })
      .then([{ type: 'ApiKeyRevoked', data: { key_id: 'key_1' } }]);
    spec(projectDecider)
      .given([created, keyIssued, { type: 'ApiKeyRevoked', data: { key_id: 'key_1' } }])
      .when({ type: 'RevokeApiKey', keyId: 'key_1' })
      .then([]);
    spec(projectDecider).given([created]).when({ type: 'RevokeApiKey', keyId: 'key_9' }).thenThrows(/API key not found/);
  });
});

describe('slug decider', () => {
  it('gives a slug to one project at a time', () => {
    spec(slugDecider)
      .given([])
      .when({ type: 'Reserve', projectId: 'proj_1', slug: 'support' })
      .then([{ type: 'SlugReserved', data: { project_id: 'proj_1', slug: 'support' } }]);
    spec(slugDecider)
      .given([{ type: 'SlugReserved', data: { project_id: 'proj_1', slug: 'support' } }])
      .when({ type: 'Reserve', projectId: 'proj_2', slug: 'support' })
      .thenThrows(/already used/);
    spec(slugDecider)
      .given([
        { type: 'SlugReserved', data: { project_id: 'proj_1', slug: 'support' } },
        { type: 'SlugReleased', data: { project_id: 'proj_1', slug: 'support' } },
      ])
      .when({ type: 'Reserve', projectId: 'proj_2', slug: 'support' })
      .then([{ type: 'SlugReserved', data: { project_id: 'proj_2', slug: 'support' } }]);
  });
});
