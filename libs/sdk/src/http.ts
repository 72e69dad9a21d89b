import { apiErrorFrom, connectionError, GeneralAugmentAPIError, timeoutError } from './errors';
import { VERSION } from './version';

// How the SDK talks HTTP: one place for headers, the timeout, error decoding and the retry
// rule. A request is retried only when doing it twice is harmless (a GET, or a call with an
// idempotency key), only on 429/5xx or a dropped connection, at most `maxRetries` times,
// after Retry-After or a jittered backoff — never in a tight loop.

export interface RequestOptions {
  /** Sent as X-Idempotency-Key: the API answers a repeat with the first result, and the SDK may retry. */
  idempotencyKey?: string;
  /** Sent as X-Request-ID, for your logs and support. */
  requestId?: string;
  /** Overrides the client's timeout for this call (0 disables it). */
  timeoutMs?: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface TransportConfig {
  baseUrl: string;
  apiKey?: string;
  adminKey?: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  /** Admin routes authenticate with X-Admin-Key. */
  admin?: boolean;
  stream?: boolean;
  /** Doing it twice is harmless without an idempotency key (e.g. cancelling a response). */
  repeatable?: boolean;
  options?: RequestOptions;
}

/** A Retry-After longer than this is a limit to report, not a pause to sit through. */
const MAX_RETRY_AFTER_SECONDS = 60;
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

const isRetryableStatus = (status: number) => status === 429 || (status >= 500 && status !== 501);

/** A timer that aborts a request; `touch` restarts it (streams time out when idle, not when long). */
class Deadline {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly forwardAbort = () => this.controller.abort(this.outer?.reason);
  expired = false;

  constructor(
    private readonly ms: number,
    private readonly outer?: AbortSignal,
  ) {
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.forwardAbort, { once: true });
    this.touch();
  }

  touch(): void {
    if (this.ms <= 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, this.ms);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    // A long-lived caller signal must not collect one listener per request.
    this.outer?.removeEventListener('abort', this.forwardAbort);
  }
}

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key.toLowerCase()] = value;
  });
  return out;
}

async function decodeBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class Transport {
  constructor(private readonly config: TransportConfig) {}

  /** A JSON call: the decoded body, or a GeneralAugmentAPIError. */
  async json<T>(call: Call): Promise<T> {
    const { response, deadline } = await this.send(call);
    try {
      return (await decodeBody(response)) as T;
    } catch (err) {
      throw this.failure(err, deadline, call);
    } finally {
      deadline.clear();
    }
  }

  /** A streaming call: the open response and its deadline, which the reader touches per chunk. */
  async stream(call: Call): Promise<{ response: Response; deadline: Deadline; failure: (err: unknown) => unknown }> {
    const { response, deadline } = await this.send({ ...call, stream: true });
    return { response, deadline, failure: (err) => this.failure(err, deadline, call) };
  }

  private async send(call: Call): Promise<{ response: Response; deadline: Deadline }> {
    const safe = call.method === 'GET' || call.repeatable === true || Boolean(call.options?.idempotencyKey);
    for (let attempt = 0; ; attempt++) {
      const deadline = new Deadline(call.options?.timeoutMs ?? this.config.timeoutMs, call.options?.signal);
      let response: Response;
      try {
        response = await this.config.fetch(this.url(call), {
          method: call.method,
          headers: this.headers(call),
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal: deadline.controller.signal,
        });
      } catch (err) {
        deadline.clear();
        const failure = this.failure(err, deadline, call);
        const dropped = failure instanceof GeneralAugmentAPIError && failure.reason === 'connection_error';
        if (dropped && safe && attempt < this.config.maxRetries) {
          await this.config.sleep(this.backoff(attempt, null));
          continue;
        }
        throw failure;
      }
      if (response.ok) return { response, deadline };

      let body: unknown;
      try {
        body = await decodeBody(response);
      } catch (err) {
        throw this.failure(err, deadline, call);
      } finally {
        deadline.clear();
      }
      const error = apiErrorFrom(response.status, headersOf(response), body);
      const waitable = error.retryAfter === null || error.retryAfter <= MAX_RETRY_AFTER_SECONDS;
      if (safe && isRetryableStatus(response.status) && waitable && attempt < this.config.maxRetries) {
        await this.config.sleep(this.backoff(attempt, error.retryAfter));
        continue;
      }
      throw error;
    }
  }

  /** Retry-After when given (plus a little jitter so clients do not return in step), else exponential backoff with jitter. */
  private backoff(attempt: number, retryAfterSeconds: number | null): number {
    if (retryAfterSeconds !== null) return Math.round(retryAfterSeconds * 1000 + this.config.random() * 250);
    const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
    return Math.round(ceiling / 2 + (this.config.random() * ceiling) / 2);
  }

  private failure(err: unknown, deadline: Deadline, call: Call): unknown {
    if (err instanceof GeneralAugmentAPIError) return err;
    const requestId = call.options?.requestId ?? null;
    if (deadline.expired) return timeoutError(call.options?.timeoutMs ?? this.config.timeoutMs, requestId);
    // The caller's own abort stays an AbortError.
    if (deadline.controller.signal.aborted) return err;
    return connectionError(err, requestId);
  }

  private url(call: Call): string {
    const url = new URL(this.config.baseUrl.replace(/\/+$/, '') + call.path);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private headers(call: Call): Record<string, string> {
    const headers: Record<string, string> = {
      accept: call.stream ? 'text/event-stream' : 'application/json',
      'user-agent': `general-augment-sdk-typescript/${VERSION}`,
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    if (call.admin) {
      const adminKey = this.config.adminKey ?? this.config.apiKey;
      if (adminKey) headers['x-admin-key'] = adminKey;
    }
    if (call.options?.idempotencyKey) headers['x-idempotency-key'] = call.options.idempotencyKey;
    if (call.options?.requestId) headers['x-request-id'] = call.options.requestId;
    return { ...headers, ...call.options?.headers };
  }
}

export type { Deadline };
