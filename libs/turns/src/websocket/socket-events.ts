import { AppError, badRequest, toAppError, unstorableTextAt } from '@genaug/kernel';

/** Fields of the HTTP create body that a WebSocket `response.create` must not carry (the transport decides them). */
const HTTP_ONLY_FIELDS = ['stream', 'stream_options', 'background'] as const;

/**
 * A client message: a `response.create` event as JSON text, whose body is the HTTP create body
 * with `type` and without the HTTP-only fields. Returns that body, streamed; a bad message is a
 * 400 naming what is wrong, as the same body sent over HTTP would be.
 */
export function createBodyOf(data: Buffer, isBinary: boolean, bodyLimitBytes: number): Record<string, unknown> {
  if (data.length > bodyLimitBytes) throw new AppError(413, 'request_too_large', 'The message is larger than the server accepts');
  if (isBinary) throw badRequest('message', 'Send response.create events as JSON text messages, not binary ones', 'invalid_json');
  let event: unknown;
  try {
    event = JSON.parse(data.toString('utf8'));
  } catch {
    throw badRequest('message', 'The message is not valid JSON', 'invalid_json');
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) throw badRequest('message', 'The message must be a JSON object: a response.create event');
  const { type, ...body } = event as Record<string, unknown>;
  if (type !== 'response.create') {
    throw badRequest('type', type === undefined ? "Missing 'type': send a response.create event" : `Unknown event type '${String(type)}': send response.create`);
  }
  for (const field of HTTP_ONLY_FIELDS) {
    if (field in body) throw badRequest(field, `'${field}' is not sent over a WebSocket: every response on it is streamed as it runs`);
  }
  const at = unstorableTextAt(body);
  if (at) throw badRequest(at, `${at} contains a NUL character or an unpaired surrogate`);
  return { ...body, stream: true };
}

/** The specification's WebSocket error event: the HTTP status and our error object (code is our reason). */
export interface SocketErrorEvent {
  type: 'error';
  status: number;
  sequence_number?: number;
  error: { type: string; code: string; message: string; param: string | null; retry_after_seconds?: number };
}

export function socketError(err: unknown, sequenceNumber?: number): SocketErrorEvent {
  const e = toAppError(err);
  const retryAfter = Number(e.headers['Retry-After']);
  return {
    type: 'error',
    status: e.status,
    ...(sequenceNumber === undefined ? {} : { sequence_number: sequenceNumber }),
    error: {
      type: e.type,
      code: e.reason,
      message: e.message,
      param: e.param,
      // What an HTTP answer says in its Retry-After header (429, 503).
      ...(Number.isFinite(retryAfter) ? { retry_after_seconds: retryAfter } : {}),
    },
  };
}
