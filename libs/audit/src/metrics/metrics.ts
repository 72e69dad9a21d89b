import { Injectable } from '@nestjs/common';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { SubscriptionHost, type SubscriptionState } from '@genaug/event-store';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

// Figures of the whole process or read from the database: one thread reports them for all.
const SHARED = /^genaug_(process_|nodejs_|projection_lag_)/;

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * This process's Prometheus metrics, in a registry of its own (one per app instance, so
 * several servers in one process never collide). Projection lag is read from the database at
 * scrape time; everything else is counted in memory as it happens.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly sources: (() => Promise<MetricsJson>)[] = [];

  readonly httpRequests = new Counter({
    name: 'genaug_http_requests_total',
    help: 'HTTP requests answered, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'genaug_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly turns = new Counter({
    name: 'genaug_turns_total',
    help: 'Turns that ended, by status (completed, incomplete, failed).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly turnDuration = new Histogram({
    name: 'genaug_turn_duration_seconds',
    help: 'Time from a turn being requested to its completion or failure.',
    labelNames: ['status'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly modelCallDuration = new Histogram({
    name: 'genaug_model_call_duration_seconds',
    help: 'Model provider call latency, by provider, model and outcome.',
    labelNames: ['provider', 'model', 'outcome'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: 'genaug_tokens_total',
    help: 'Tokens used by turns, by kind (input, output), provider and model.',
    labelNames: ['kind', 'provider', 'model'] as const,
    registers: [this.registry],
  });

  readonly cost = new Counter({
    name: 'genaug_cost_usd_total',
    help: 'Model cost of turns in US dollars, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });

  readonly consumerErrors = new Counter({
    name: 'genaug_consumer_errors_total',
    help: 'Failed batches of the projections and reactors this process runs.',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  /** Adds what another thread of this process counts (the worker thread's consumers) to each scrape. */
  addSource(source: () => Promise<MetricsJson>): void {
    this.sources.push(source);
  }

  /** What this thread counts itself, for the thread that answers scrapes to add in. */
  async ownCounts(): Promise<MetricsJson> {
    return (await this.registry.getMetricsAsJSON()).filter((m) => !SHARED.test(m.name));
  }

  /**
   * The Prometheus text of a scrape: what this thread counts summed with the other threads'
   * counts, then the shared figures as this thread reads them.
   */
  async scrape(): Promise<string> {
    if (!this.sources.length) return this.registry.metrics();
    const others = await Promise.all(this.sources.map((s) => s().catch((): MetricsJson => [])));
    const own = await this.registry.getMetricsAsJSON();
    const counted = await AggregatorRegistry.aggregate([own.filter((m) => !SHARED.test(m.name)), ...others]).metrics();
    const shared = await Promise.all(own.filter((m) => SHARED.test(m.name)).map((m) => this.registry.getSingleMetricAsString(m.name)));
    return [counted.trimEnd(), ...shared].join('\n') + '\n';
  }

  constructor(host: SubscriptionHost) {
    collectDefaultMetrics({ register: this.registry, prefix: 'genaug_' });
    host.onConsumerError((consumer) => this.consumerErrors.inc({ consumer }));
    // One read of every consumer's state serves all the gauges of a scrape.
    let cached: { at: number; states: Promise<SubscriptionState[]> } | null = null;
    const states = () => {
      if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), states: host.states().catch(() => []) };
      return cached.states;
    };
    new Gauge({
      name: 'genaug_projection_lag_events',
      help: 'Events in the log a projection or reactor has not handled yet.',
      labelNames: ['consumer'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const s of await states()) this.set({ consumer: s.name }, s.lagEvents);
      },
    });
    new Gauge({
      name: 'genaug_projection_lag_seconds',
      help: 'Age of the oldest event a projection or reactor has not handled yet.',
      labelNames: ['consumer'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const s of await states()) this.set({ consumer: s.name }, s.lagSeconds);
      },
    });
    new Gauge({
      name: 'genaug_consumer_failing',
      help: '1 when this process runs the consumer and its last batch failed.',
      labelNames: ['consumer'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const s of await states()) this.set({ consumer: s.name }, s.status === 'failing' ? 1 : 0);
      },
    });
  }
}
