import { backoffDelayMs, systemClock, type Clock } from '@genaug/kernel';
import { AnthropicProvider } from '../anthropic/anthropic.provider';
import { LocalProvider } from '../local/local.provider';
import { errorMessage, UpstreamError, type ModelProvider } from '../model-provider';
import type { ModelRequest } from '../model-request';
import { answerEvents, collectAnswer, type CollectedAnswer, type FinishReason, type ModelStreamEvent, type ModelUsage } from '../model-stream';
import { estimateInputTokens, estimateTokens } from '../local/token-estimate';
import { OpenAIProvider } from '../openai/openai.provider';
import { costUsd } from '../pricing/prices';
import { effectiveModelSettings, type EffectiveModelSettings, type ProviderConfig } from '../settings/effective-settings';
import { loadModelEnv, type ModelEnv } from '../settings/model-env';
import { modelSettingsSchema, type ModelSettings } from '../settings/model-settings';
import { withIdleTimeout } from './idle-timeout';
import { attemptError, ModelCallFailed, type ModelAttempt } from './model-attempt';
import { resolveCandidates, type ModelCandidate } from './model-route';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface ModelRouterOptions {
  /** Server-wide defaults; `loadModelEnv(process.env)` when absent. */
  env?: ModelEnv;
  clock?: Clock;
  /** Waits between retries; tests pass one that returns at once and records the delays. */
  sleep?: Sleep;
  random?: () => number;
}

export interface ModelCallInput {
  /** A tier ("simple", "balanced", "complex") or a model name the project allows. */
  model: string;
  request: ModelRequest;
  /** The project's model settings; the defaults when absent. */
  settings?: ModelSettings;
  /**
   * False when the caller only wants the whole answer (nobody watches it arrive): providers
   * that can answer in one response are asked to, and `answerTimeoutMs` bounds the wait for all of it.
   * The events are the same either way.
   */
  stream?: boolean;
}

/** Who answered, and what it cost. */
export interface ModelCallResult {
  provider: string;
  model: string;
  usage: ModelUsage;
  finishReason: FinishReason;
  costUsd: number;
}

export type ModelAnswer = CollectedAnswer & ModelCallResult & { attempts: readonly ModelAttempt[] };

/**
 * One routed call: iterate it for the answer's events (one `completed` last). `attempts`
 * records every try, failed ones included, and `result` says who answered. When every model
 * fails the iteration throws ModelCallFailed (502/504), which carries the attempts too.
 */
export class ModelCall implements AsyncIterable<ModelStreamEvent> {
  readonly attempts: ModelAttempt[] = [];
  private answered?: ModelCallResult;
  private started = false;

  constructor(private readonly run: (attempts: ModelAttempt[], answered: (result: ModelCallResult) => void) => AsyncIterable<ModelStreamEvent>) {}

  [Symbol.asyncIterator](): AsyncIterator<ModelStreamEvent> {
    if (this.started) throw new Error('A model call can be iterated once');
    this.started = true;
    return this.run(this.attempts, (result) => (this.answered = result))[Symbol.asyncIterator]();
  }

  get result(): ModelCallResult {
    if (!this.answered) throw new Error('The model call has not completed');
    return this.answered;
  }
}

const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Resolves a tier or model name with the project's settings and calls the models in order:
 * each with a timeout and retries with backoff on 429/5xx/connection errors, then the next.
 * A model that already streamed part of its answer is never swapped for another mid-answer.
 */
export class ModelRouter {
  private readonly env: ModelEnv;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly local = new LocalProvider();
  private readonly upstreams = new Map<string, ModelProvider>();
  private readonly defaults: EffectiveModelSettings;

  constructor(options: ModelRouterOptions = {}) {
    this.env = options.env ?? loadModelEnv(process.env);
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.defaults = effectiveModelSettings(modelSettingsSchema.parse({}), this.env);
  }

  /** The effective settings for a project: its own, then the environment's, then the defaults. */
  settingsFor(settings?: ModelSettings): EffectiveModelSettings {
    return settings ? effectiveModelSettings(settings, this.env) : this.defaults;
  }

  /** The models that would serve `model`, in order; a 400 naming `model` when it is not allowed. */
  resolve(model: string, settings?: ModelSettings): ModelCandidate[] {
    return resolveCandidates(model, this.settingsFor(settings));
  }

  /** Starts a streamed call. Resolution errors (400) are thrown here, before any event. */
  call(input: ModelCallInput): ModelCall {
    const effective = this.settingsFor(input.settings);
    const candidates = resolveCandidates(input.model, effective);
    return new ModelCall((attempts, answered) => this.run(attempts, answered, input, candidates, effective));
  }

  /** The whole answer at once, gathered from the events of `call`. */
  async complete(input: ModelCallInput): Promise<ModelAnswer> {
    const call = this.call(input);
    const answer = await collectAnswer(call);
    return { ...answer, ...call.result, attempts: call.attempts };
  }

  /**
   * How many input tokens `request` is for the model that would answer it: each model of the
   * tier in order, as a call would be served, until one counts (a 502/504 when none can).
   */
  async countInputTokens(input: Omit<ModelCallInput, 'stream'>): Promise<{ provider: string; model: string; inputTokens: number }> {
    const candidates = resolveCandidates(input.model, this.settingsFor(input.settings));
    const attempts: ModelAttempt[] = [];
    let timedOut = false;
    for (const { provider: config, model } of candidates) {
      const upstream = new AbortController();
      const timer = setTimeout(() => upstream.abort(new UpstreamError('timeout', `no count within ${config.timeoutMs} ms`)), config.timeoutMs);
      const startedAt = this.clock.now();
      try {
        const inputTokens = await this.providerFor(config).countInputTokens(model, input.request, upstream.signal);
        return { provider: config.name, model, inputTokens };
      } catch (err) {
        const error = asUpstreamError(err, upstream.signal);
        timedOut = error.failure === 'timeout';
        const latencyMs = Math.max(0, this.clock.now().getTime() - startedAt.getTime());
        attempts.push({ provider: config.name, model, startedAt: startedAt.toISOString(), latencyMs, outcome: timedOut ? 'timeout' : 'error', error: attemptError(error.message), costUsd: 0 });
      } finally {
        clearTimeout(timer);
      }
    }
    const last = attempts.at(-1)!;
    throw new ModelCallFailed(attempts, timedOut, `No model could count "${input.model}" (${attempts.length} attempts); last: ${last.provider}/${last.model}: ${last.error}`);
  }

  private async *run(
    attempts: ModelAttempt[],
    answered: (result: ModelCallResult) => void,
    input: ModelCallInput,
    candidates: ModelCandidate[],
    settings: EffectiveModelSettings,
  ): AsyncGenerator<ModelStreamEvent> {
    const { request } = input;
    const caller = request.signal;
    let lastError: UpstreamError | undefined;
    for (const candidate of candidates) {
      const { provider: config, model } = candidate;
      const provider = this.providerFor(config);
      for (let retry = 0; ; retry++) {
        caller?.throwIfAborted();
        const upstream = new AbortController();
        const onCallerAbort = () => upstream.abort(caller!.reason);
        caller?.addEventListener('abort', onCallerAbort, { once: true });
        const startedAt = this.clock.now();
        const attempt = (fields: Pick<ModelAttempt, 'outcome'> & Partial<ModelAttempt>): ModelAttempt => ({
          provider: config.name,
          model,
          startedAt: startedAt.toISOString(),
          latencyMs: Math.max(0, this.clock.now().getTime() - startedAt.getTime()),
          costUsd: 0,
          ...fields,
        });
        let emitted = false;
        // What the model produced before a failure: the provider bills it, so the turn is metered for it.
        let produced = '';
        let readToEnd = false;
        try {
          const whole = input.stream === false && provider.answer !== undefined;
          // A stream may pause at most timeoutMs; a whole answer arrives only when it is done.
          const limitMs = whole ? config.answerTimeoutMs : config.timeoutMs;
          const timeout = () => {
            const error = new UpstreamError('timeout', `no answer within ${limitMs} ms`);
            upstream.abort(error);
            return error;
          };
          const source = whole ? answerEvents(provider.answer!(model, request, upstream.signal)) : provider.stream(model, request, upstream.signal);
          const events = withIdleTimeout(source, limitMs, timeout);
          for await (const event of events) {
            if (event.type === 'completed') {
              const cost = costUsd(`${config.name}/${model}`, event.usage, settings.prices);
              attempts.push(attempt({ outcome: 'ok', usage: event.usage, costUsd: cost }));
              answered({ provider: config.name, model, usage: event.usage, finishReason: event.finishReason, costUsd: cost });
              readToEnd = true;
              yield event;
              return;
            }
            emitted = true;
            if (event.type === 'text.delta' || event.type === 'function_call.arguments.delta') produced += event.delta;
            else if (event.type === 'function_call.done' && !produced.endsWith(event.arguments)) produced += event.arguments;
            yield event;
          }
          throw new UpstreamError('connection', 'the answer ended before it completed');
        } catch (err) {
          // Cut off mid-answer, the upstream reports no usage: estimate what it will bill.
          const cutOff = (): Partial<ModelAttempt> => {
            if (!emitted) return {};
            const usage = { inputTokens: estimateInputTokens(request), outputTokens: estimateTokens(produced) };
            return { usage, usageEstimated: true, costUsd: costUsd(`${config.name}/${model}`, usage, settings.prices) };
          };
          if (caller?.aborted) {
            attempts.push(attempt({ outcome: 'error', error: 'cancelled by the caller', ...cutOff() }));
            throw caller.reason;
          }
          const error = asUpstreamError(err, upstream.signal);
          attempts.push(
            attempt({
              outcome: error.failure === 'timeout' ? 'timeout' : 'error',
              error: attemptError(error.message),
              ...(error.status !== undefined ? { status: error.status } : {}),
              ...cutOff(),
            }),
          );
          if (emitted) {
            throw new ModelCallFailed(attempts, error.failure === 'timeout', `${config.name}/${model} stopped mid-answer: ${attemptError(error.message)}`);
          }
          lastError = error;
          const delay = error.retryable && retry < config.maxRetries ? backoffDelayMs(retry, config, this.random, error.retryAfterMs) : undefined;
          if (delay === undefined) break;
          await this.sleep(delay, caller);
        } finally {
          caller?.removeEventListener('abort', onCallerAbort);
          // Release the upstream connection unless the answer was read to its end (aborting costs
          // an exception object and an event per listener, on every call).
          if (!readToEnd) upstream.abort();
        }
      }
    }
    const last = attempts.at(-1)!;
    throw new ModelCallFailed(
      attempts,
      lastError?.failure === 'timeout',
      `No model could answer "${input.model}" (${attempts.length} attempts); last: ${last.provider}/${last.model}: ${last.error}`,
    );
  }

  private providerFor(config: ProviderConfig): ModelProvider {
    if (config.kind === 'local') return this.local;
    const key = JSON.stringify([config.kind, config.baseUrl, config.apiKey]);
    let provider = this.upstreams.get(key);
    if (!provider) {
      const endpoint = { baseUrl: config.baseUrl!, apiKey: config.apiKey };
      provider = config.kind === 'openai' ? new OpenAIProvider(endpoint) : new AnthropicProvider(endpoint);
      this.upstreams.set(key, provider);
    }
    return provider;
  }
}

function asUpstreamError(err: unknown, signal: AbortSignal): UpstreamError {
  // Our own timeout aborted the request; the client then throws its abort error, not ours.
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  if (err instanceof UpstreamError) return err;
  // Anything else is a fault in the provider itself: not worth retrying, but another model may do.
  return new UpstreamError('rejected', errorMessage(err));
}
