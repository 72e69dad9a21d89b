import { z } from 'zod';

// Configuration comes from the environment, validated once; a bad value stops the process naming it.
const roles = ['api', 'worker'] as const;

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  GENAUG_DATA_DIR: z.string().default('.data'),
  GENAUG_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  GENAUG_MASTER_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  GENAUG_ROLES: z
    .string()
    .default('api,worker')
    .transform((s) => s.split(',').map((r) => r.trim()).filter(Boolean))
    .pipe(z.array(z.enum(roles)).min(1)),
  GENAUG_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  GENAUG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GENAUG_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  GENAUG_WEBSOCKET_LIFETIME_SECONDS: z.coerce.number().int().min(1).default(3600),
});

export type AppConfig = z.infer<typeof configSchema>;
export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  return result.data;
}
