import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AppError } from '../errors';
import { isConnectionFault } from '../faults';
import { logger } from '../logger';

/**
 * The one mapping from anything thrown to the public error shape. Bad input is always a 4xx
 * that names the problem; only our own faults are a 500, and those are logged.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as any;
  if (e?.name === 'WrongExpectedVersionError') return new AppError(409, 'conflict', 'A concurrent change won; retry the request');
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413 || e?.status === 413) {
    return new AppError(413, 'request_too_large', 'Request body is larger than the server accepts');
  }
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e?.statusCode === 415 || e?.status === 415) {
    return new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
  }
  if (e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AppError(400, 'invalid_json', 'Request body is empty', { param: 'body' });
  if (e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e instanceof SyntaxError || e?.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return new AppError(400, 'invalid_json', 'Request body is not valid JSON', { param: 'body' });
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return new AppError(404, 'not_found', 'No such route');
    if (status < 500) return new AppError(status, 'invalid_request', err.message);
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode, 'invalid_request', String(e.message ?? 'Bad request'));
  }
  if (isConnectionFault(err)) {
    // Our fault, not the request's: it can be sent again in a moment (with an idempotency key,
    // a retry never runs a turn twice).
    logger.warn({ err: e?.message }, 'database unreachable');
    return new AppError(503, 'service_unavailable', 'The database is unreachable; retry the request', { headers: { 'Retry-After': '1' }, type: 'server_error' });
  }
  logger.error({ err: e?.message, stack: e?.stack }, 'unhandled error');
  return new AppError(500, 'internal_error', 'Internal server error', { type: 'server_error' });
}

export function sendError(reply: any, err: unknown): void {
  const appError = toAppError(err);
  if (reply.sent || reply.raw?.headersSent) return;
  for (const [k, v] of Object.entries(appError.headers)) reply.header(k, v);
  reply.status(appError.status).send(appError.toBody());
}

@Catch()
export class AppErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    sendError(host.switchToHttp().getResponse(), exception);
  }
}
