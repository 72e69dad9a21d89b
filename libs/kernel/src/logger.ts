import pino from 'pino';

// Structured logs; callers pass ids (request, trace, project, user), never secrets or personal data.
export const logger = pino({
  level: process.env.GENAUG_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: undefined,
  redact: { paths: ['*.authorization', '*.apiKey', '*.api_key', '*.raw_key', '*.password'], censor: '[redacted]' },
});

export type Logger = typeof logger;
