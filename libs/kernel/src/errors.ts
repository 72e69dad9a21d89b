// The one error type the HTTP edge maps to the public error shape:
// {"error":{"message","type","code","param"},"reason"}.
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'server_error'
  | 'upstream_error';

const typeByStatus: Record<number, ErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  502: 'upstream_error',
  504: 'upstream_error',
};

export interface AppErrorOptions {
  param?: string | null;
  type?: ErrorType;
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly param: string | null;
  readonly type: ErrorType;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.param = options.param ?? null;
    this.type = options.type ?? typeByStatus[status] ?? 'server_error';
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }

  toBody(): Record<string, unknown> {
    return {
      error: { message: this.message, type: this.type, code: this.reason, param: this.param },
      reason: this.reason,
      ...this.details,
    };
  }
}

export const badRequest = (param: string, message: string, reason = 'invalid_request') =>
  new AppError(400, reason, message, { param });
export const notFound = (what: string, param: string | null = null) =>
  new AppError(404, 'not_found', `${what} not found`, { param });
export const unauthorized = (message = 'Missing or invalid API key', reason = 'invalid_api_key') =>
  new AppError(401, reason, message);
export const forbidden = (message: string, reason = 'insufficient_scope') => new AppError(403, reason, message);
