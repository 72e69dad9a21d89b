import { AppError } from '@genaug/kernel';

// The public error body, `{"error":{"message","type","code","param"},"reason"}`, for any
// thrown value: ours keep their status and reason, anything else is a 500 that says nothing
// about internals.

export interface ErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
  reason: string;
  [detail: string]: unknown;
}

export interface HttpError {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

export function httpErrorOf(err: unknown): HttpError {
  if (err instanceof AppError) return { status: err.status, headers: err.headers, body: err.toBody() as unknown as ErrorBody };
  const internal = new AppError(500, 'internal_error', 'The server failed to process the request');
  return { status: 500, headers: {}, body: internal.toBody() as unknown as ErrorBody };
}

export function errorBody(err: unknown): ErrorBody {
  return httpErrorOf(err).body;
}
