import { z } from 'zod';
import { projectSettingsSchema } from '../project-settings';

const slug = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/, 'must be lowercase letters, digits and dashes');

export const createProjectSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    slug: slug.optional(),
    settings: projectSettingsSchema.optional(),
  })
  .strict();

// Settings in an update are merged section by section over the current ones, then
// validated whole (projectSettingsSchema), so defaults never overwrite what is set.
export const updateProjectSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    slug: slug.optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().optional(),
});

export const slugFrom = (name: string): string =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48) || 'project';
