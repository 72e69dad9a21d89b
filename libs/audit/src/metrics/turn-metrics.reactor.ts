import type { Reactor, StoredEvent } from '@genaug/event-store';
import type { Metrics } from './metrics';

// Requested turns still open; bounded so turns that never end cannot grow it without limit.
const MAX_OPEN_TURNS = 50_000;

/**
 * Feeds turn, model-call, token and cost metrics from the log. Only the active instance of a
 * deployment counts (one consumer per name), so summing every process's metrics counts each
 * turn once. A turn requested before this process started has no duration to observe.
 */
export function turnMetricsReactor(metrics: Metrics): Reactor {
  const requestedAt = new Map<string, number>();
  return {
    name: 'turn-metrics',
    types: ['TurnRequested', 'ModelCalled', 'TurnCompleted', 'TurnFailed', 'TurnCancelled', 'UsageRecorded'],
    async react(events: StoredEvent[]) {
      for (const e of events) observe(e);
    },
  };

  function observe(e: StoredEvent): void {
    const d = e.data;
    switch (e.type) {
      case 'TurnRequested':
        if (requestedAt.size >= MAX_OPEN_TURNS) requestedAt.delete(requestedAt.keys().next().value as string);
        requestedAt.set(e.streamId, e.recordedAt.getTime());
        return;
      case 'ModelCalled':
        metrics.modelCallDuration.observe({ provider: d.provider, model: d.model, outcome: d.outcome }, d.latency_ms / 1000);
        return;
      case 'TurnCompleted':
      case 'TurnFailed':
      case 'TurnCancelled': {
        const status = e.type === 'TurnFailed' ? 'failed' : e.type === 'TurnCancelled' ? 'cancelled' : d.status;
        metrics.turns.inc({ status });
        const started = requestedAt.get(e.streamId);
        requestedAt.delete(e.streamId);
        if (started !== undefined) metrics.turnDuration.observe({ status }, Math.max(0, e.recordedAt.getTime() - started) / 1000);
        return;
      }
      case 'UsageRecorded': {
        const labels = { provider: d.provider ?? 'none', model: d.model ?? 'none' };
        metrics.tokens.inc({ kind: 'input', ...labels }, d.usage.input_tokens);
        metrics.tokens.inc({ kind: 'output', ...labels }, d.usage.output_tokens);
        metrics.cost.inc(labels, d.cost_usd);
      }
    }
  }
}
