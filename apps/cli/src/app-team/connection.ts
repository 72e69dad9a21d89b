import { z } from 'zod';
import { GeneralAugmentAPIError, GeneralAugmentClient } from '@genaug/sdk';
import { CliError, ExitCode } from '../output';

// How the app-team commands reach a General Augment server: over HTTP with the SDK, configured
// by the same GENAUG_* variables an app backend uses.

export const DEFAULT_API_BASE_URL = 'http://localhost:8080';
/** Long enough for a cold turn, short enough that CI fails rather than hangs. */
const TIMEOUT_MS = 30_000;

const envSchema = z.object({
  GENAUG_API_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL, e.g. http://localhost:8080' })
    .optional(),
  GENAUG_API_KEY: z.string().trim().min(1).optional(),
  GENAUG_ADMIN_KEY: z.string().trim().min(1).optional(),
  GENAUG_PROJECT_ID: z.string().trim().min(1).optional(),
});

export interface Connection {
  baseUrl: string;
  /** Whether the base URL came from GENAUG_API_BASE_URL (else the local default). */
  baseUrlSet: boolean;
  apiKey?: string;
  adminKey?: string;
  projectId?: string;
}

export interface ConnectionOptions {
  adminKey?: string;
  project?: string;
}

/** The connection from the environment, with --admin-key and --project taking precedence. */
export function connectionFrom(options: ConnectionOptions = {}, env: NodeJS.ProcessEnv = process.env): Connection {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${String(issue.path[0])} ${issue.message}`, ExitCode.error);
  }
  const e = parsed.data;
  return {
    baseUrl: (e.GENAUG_API_BASE_URL ?? DEFAULT_API_BASE_URL).replace(/\/+$/, ''),
    baseUrlSet: !!e.GENAUG_API_BASE_URL,
    apiKey: e.GENAUG_API_KEY,
    adminKey: options.adminKey ?? e.GENAUG_ADMIN_KEY,
    projectId: options.project ?? e.GENAUG_PROJECT_ID,
  };
}

/** A client for the admin routes; without an admin key the command cannot run. */
export function adminClient(conn: Connection): GeneralAugmentClient {
  if (!conn.adminKey) throw new CliError('no admin key: set GENAUG_ADMIN_KEY or pass --admin-key', ExitCode.error);
  return new GeneralAugmentClient({ adminKey: conn.adminKey, baseUrl: conn.baseUrl, timeoutMs: TIMEOUT_MS });
}

/** A client for app routes (/v1/…) with a project key. */
export function appClient(conn: Connection, apiKey = conn.apiKey): GeneralAugmentClient {
  if (!apiKey) throw new CliError('no project key: set GENAUG_API_KEY', ExitCode.error);
  return new GeneralAugmentClient({ apiKey, baseUrl: conn.baseUrl, timeoutMs: TIMEOUT_MS });
}

/** An API failure as one line a person can act on: status, stable reason, message. */
export function describeFailure(err: unknown): string {
  if (err instanceof GeneralAugmentAPIError) {
    if (err.status === 0) return `${err.reason}: ${err.message}`;
    return `${err.status} ${err.reason ?? 'error'}: ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs an admin or app call for a command whose whole point is that call: a refused key or an
 * unreachable server means it could not run (exit 2); any other refusal is a failure (exit 1).
 */
export async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CliError) throw err;
    const unusable = err instanceof GeneralAugmentAPIError && (err.status === 0 || err.status === 401 || err.status === 403);
    throw new CliError(describeFailure(err), unusable || !(err instanceof GeneralAugmentAPIError) ? ExitCode.error : ExitCode.failed);
  }
}

/** GET a health route; health is the one call the SDK has no method for. */
export async function health(conn: Connection, which: 'live' | 'ready'): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${conn.baseUrl}/health/${which}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = (await res.json().catch(() => ({}))) as Record<string, any>;
  return { status: res.status, body };
}

/**
 * An admin GET the SDK has no method for yet (listing a project's keys): same headers, same
 * error type, so callers handle it like any SDK call.
 */
export async function adminGet<T>(conn: Connection, path: string): Promise<T> {
  if (!conn.adminKey) throw new CliError('no admin key: set GENAUG_ADMIN_KEY or pass --admin-key', ExitCode.error);
  let res: Response;
  try {
    res = await fetch(`${conn.baseUrl}${path}`, { headers: { 'x-admin-key': conn.adminKey, accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new GeneralAugmentAPIError({ status: 0, message: `Could not reach the General Augment API: ${(err as Error).message}`, reason: 'connection_error' });
  }
  const body = (await res.json().catch(() => null)) as any;
  if (!res.ok) {
    throw new GeneralAugmentAPIError({ status: res.status, message: body?.error?.message ?? `HTTP ${res.status}`, reason: body?.reason ?? null, body });
  }
  return body as T;
}
