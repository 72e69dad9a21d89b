import { z } from 'zod';
import { registerEvents, type DomainEvent } from '@genaug/event-store';
import { projectSettingsSchema } from './project-settings';

export const KEY_SCOPES = ['responses', 'admin'] as const;
export const KEY_ENVIRONMENTS = ['production', 'staging', 'development', 'ci'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number];

const projectCreated = z.object({
  project_id: z.string(),
  name: z.string(),
  slug: z.string(),
  settings: projectSettingsSchema,
});
const projectUpdated = z.object({
  name: z.string().optional(),
  slug: z.string().optional(),
  settings: projectSettingsSchema.optional(),
});
const apiKeyIssued = z.object({
  key_id: z.string(),
  prefix: z.string(),
  /** sha256 of the raw key, hex; the raw key is shown once and never stored. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.enum(KEY_SCOPES)).min(1),
  environment: z.enum(KEY_ENVIRONMENTS),
  label: z.string().nullable(),
});
const apiKeyRevoked = z.object({ key_id: z.string() });
const slugReserved = z.object({ project_id: z.string(), slug: z.string() });
const slugReleased = z.object({ project_id: z.string(), slug: z.string() });

registerEvents({
  ProjectCreated: projectCreated,
  ProjectUpdated: projectUpdated,
  ApiKeyIssued: apiKeyIssued,
  ApiKeyRevoked: apiKeyRevoked,
  SlugReserved: slugReserved,
  SlugReleased: slugReleased,
});

export type ProjectEvent =
  | DomainEvent<'ProjectCreated', z.infer<typeof projectCreated>>
  | DomainEvent<'ProjectUpdated', z.infer<typeof projectUpdated>>
  | DomainEvent<'ApiKeyIssued', z.infer<typeof apiKeyIssued>>
  | DomainEvent<'ApiKeyRevoked', z.infer<typeof apiKeyRevoked>>;

export type SlugEvent =
  | DomainEvent<'SlugReserved', z.infer<typeof slugReserved>>
  | DomainEvent<'SlugReleased', z.infer<typeof slugReleased>>;

export const projectStream = (projectId: string) => `project-${projectId}`;
export const slugStream = (slug: string) => `project-slug-${slug}`;
