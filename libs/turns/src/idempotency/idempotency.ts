import { createHash } from 'crypto';
import { z } from 'zod';
import { AppError } from '@genaug/kernel';
import { EventStore, registerEvents, WrongExpectedVersionError, type ExpectedVersion, type NewEvent } from '@genaug/event-store';
import { appendSurely } from '../request-turn/append-surely';

// X-Idempotency-Key, scoped to the project: the first request claims the key by appending to
// the key's own stream with expected version "no stream", together with its turn's request;
// concurrent retries lose that append and answer from the winner's response. No lock is taken.

const idempotencyKeyClaimed = z.object({
  response_id: z.string(),
  request_hash: z.string(),
  claimed_at: z.string(),
});
registerEvents({ IdempotencyKeyClaimed: idempotencyKeyClaimed });

/** Keys are kept at least this long; after it, the same key starts a new turn. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

const keyStream = (projectId: string, key: string) =>
  `idempotency-${projectId}-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

/** The request body's fingerprint: the same key with a different body is refused. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(stableJson(body)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Won: the key is this turn's, and the turn's first events are recorded (its stream's version after them). */
export type Claim = { won: true; nextVersion: number } | { won: false; responseId: string };

interface KeyInput {
  projectId: string;
  key: string;
  hash: string;
  now: Date;
}

/**
 * The response an earlier request with this key started, if its claim is still live; a 422
 * when that request had a different body. A retry is answered from it before any limit is
 * checked: it costs no model call, so a limit reached since must not refuse it.
 */
export async function earlierResponse(store: EventStore, input: KeyInput): Promise<string | null> {
  checkKey(input.key);
  const [last] = await store.readStream(keyStream(input.projectId, input.key), { direction: 'backwards', limit: 1 });
  return last && isLive(last.data.claimed_at, input.now) ? sameRequest(last.data, input.hash) : null;
}

const checkKey = (key: string) => {
  if (key.length > 256) throw new AppError(400, 'invalid_request', 'X-Idempotency-Key must be at most 256 characters', { param: 'X-Idempotency-Key' });
};

const isLive = (claimedAt: string, now: Date) => now.getTime() - Date.parse(claimedAt) < IDEMPOTENCY_TTL_MS;

function sameRequest(claim: { response_id: string; request_hash: string }, hash: string): string {
  if (claim.request_hash !== hash) {
    throw new AppError(422, 'idempotency_key_reused', 'This X-Idempotency-Key was used with a different request body', {
      param: 'X-Idempotency-Key',
    });
  }
  return claim.response_id;
}

/**
 * Claims the key for a turn and records the turn's first events in one atomic append. A key is
 * then never claimed by a turn that was not recorded (a request that failed or died in between
 * would leave its retries waiting for a turn that does not exist, for as long as the key lives).
 */
export async function claimWithTurn(
  store: EventStore,
  input: KeyInput & { responseId: string; actor: string; correlationId: string },
  turn: { streamId: string; events: NewEvent[]; flush: 'durable' | 'deferred' },
): Promise<Claim> {
  checkKey(input.key);
  const stream = keyStream(input.projectId, input.key);
  const event = {
    type: 'IdempotencyKeyClaimed',
    data: { response_id: input.responseId, request_hash: input.hash, claimed_at: input.now.toISOString() },
    metadata: { project_id: input.projectId, actor: input.actor, correlation_id: input.correlationId },
  };
  // Most keys are new: claim first, and read the key's stream only when someone claimed it before.
  let expected: ExpectedVersion = 'no_stream';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Sent again while the database cannot be reached; an attempt that committed (its reply
      // lost) is found by the turn's first event.
      const nextVersion = await appendSurely(
        store,
        { streamId: turn.streamId, afterVersion: 0, events: turn.events },
        async () => {
          const [, recorded] = await store.appendMany(
            [
              { streamId: stream, events: [event], expectedVersion: expected },
              { streamId: turn.streamId, events: turn.events, expectedVersion: 'no_stream' },
            ],
            { flush: turn.flush },
          );
          return recorded.nextVersion;
        },
        (version) => version,
      );
      return { won: true, nextVersion };
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError) || err.streamId !== stream) throw err;
    }
    const [last] = await store.readStream(stream, { direction: 'backwards', limit: 1 });
    if (last && isLive(last.data.claimed_at, input.now)) return { won: false, responseId: sameRequest(last.data, input.hash) };
    // An expired claim: the key starts a new turn after it.
    expected = last ? last.streamVersion : 'no_stream';
  }
  throw new AppError(409, 'idempotency_in_progress', 'A request with this X-Idempotency-Key is in progress', { headers: { 'Retry-After': '1' } });
}
