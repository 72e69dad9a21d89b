import type { StoredEvent } from '@genaug/event-store';
import { foldTurn } from '../src/read-response/turn-state';

describe('a turn folded from its events', () => {
  const requested = (data: Record<string, unknown>, recordedAt: string) =>
    ({ type: 'TurnRequested', streamVersion: 1, recordedAt: new Date(recordedAt), metadata: { project_id: 'proj_1' }, data: { request_id: 'req_1', trace_id: 't', ...data } }) as unknown as StoredEvent;

  it('was created when its request arrived, even when the request was recorded a second later', () => {
    const state = foldTurn([requested({ created_at: '2026-11-24T10:00:00.900Z' }, '2026-11-24T10:00:01.050Z')]);
    expect(state!.createdAt.toISOString()).toBe('2026-11-24T10:00:00.900Z');
  });

  it('takes the time of its first event when its request carries none', () => {
    const state = foldTurn([requested({}, '2026-11-24T10:00:01.050Z')]);
    expect(state!.createdAt.toISOString()).toBe('2026-11-24T10:00:01.050Z');
  });
});
