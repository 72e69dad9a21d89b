import { z } from 'zod';

// Request fields shared by the memory routes.

export const FACT_MAX_CHARS = 2000;

/** The app's stable user id: the same value the app sends as `user` on /v1/responses. */
export const userIdField = z.string().trim().min(1, 'is required').max(256, 'must be at most 256 characters');

export const factTypeField = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a lowercase word such as preference, profile, goal, constraint, event or other');

export const importanceField = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
