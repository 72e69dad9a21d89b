import { AppError, badRequest } from '@genaug/kernel';

// Why a response cannot be cancelled: the server and genaug mock refuse alike.

/** Only background turns run apart from their request, so only they can be cancelled. */
export const notBackground = () => badRequest('response_id', 'Only a response created with background: true can be cancelled', 'response_not_cancellable');

/** A response that completed, came out incomplete or failed keeps its outcome. */
export const alreadyEnded = (status: string) =>
  new AppError(409, 'response_not_cancellable', `The response has already ended (${status}): only a queued or in-progress one can be cancelled`, {
    param: 'response_id',
  });
