import { AppError, badRequest } from '@genaug/kernel';

// Why a response cannot be cancelled or deleted: the server and genaug mock refuse alike.

/** Only background turns run apart from their request, so only they can be cancelled. */
export const notBackground = () => badRequest('response_id', 'Only a response created with background: true can be cancelled', 'response_not_cancellable');

/** A response that completed, came out incomplete or failed keeps its outcome. */
export const alreadyEnded = (status: string) =>
  new AppError(409, 'response_not_cancellable', `The response has already ended (${status}): only a queued or in-progress one can be cancelled`, {
    param: 'response_id',
  });

/** A response is deleted once it has ended: a running one could not record its outcome. */
export const responseInProgress = () =>
  new AppError(409, 'response_in_progress', 'The response has not ended: cancel it (background responses) or wait for it to end, then delete it', {
    param: 'response_id',
  });
