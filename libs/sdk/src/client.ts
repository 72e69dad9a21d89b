import { Transport, type Call, type RequestOptions } from './http';
import { readServerSentEvents } from './sse';
import type {
  ApiKey,
  Approval,
  CompactionResource,
  CompactResponseBody,
  Conversation,
  ConversationItem,
  CreateApiKeyBody,
  CreateProjectBody,
  CreateResponseBody,
  InputItem,
  InputTokenCount,
  InputTokensBody,
  JsonObject,
  ListOf,
  Memory,
  Model,
  Project,
  ResponseObject,
  ResponseStreamEvent,
  ScheduledJob,
  ScheduledJobBody,
  SearchMemoryBody,
  StoreMemoryBody,
  UsageQuery,
} from './types';

export interface GeneralAugmentClientOptions {
  /** Project-scoped key, sent as `Authorization: Bearer …`. Defaults to GENAUG_API_KEY. */
  apiKey?: string;
  /** Management key for admin helpers, sent as X-Admin-Key. Defaults to GENAUG_ADMIN_KEY, then apiKey. */
  adminKey?: string;
  /** Defaults to GENAUG_API_BASE_URL, then https://api.generalaugment.com. */
  baseUrl?: string;
  /** Per request; 60 000 by default; 0 disables it (for apps that apply their own). */
  timeoutMs?: number;
  /** Retries of safe requests (GETs, cancellations and calls with an idempotency key); 2 by default. */
  maxRetries?: number;
  fetch?: typeof fetch;
  /** How to wait between retries (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

export const DEFAULT_BASE_URL = 'https://api.generalaugment.com';
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

// Read through globalThis so the package needs no Node typings and loads outside Node too.
const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;

const segment = (value: string) => encodeURIComponent(value);
const admin = (projectId: string) => `/api/v1/admin/projects/${segment(projectId)}`;

/** Server-side client for the General Augment API. Keep keys out of browser and mobile code. */
export class GeneralAugmentClient {
  readonly baseUrl: string;
  private readonly http: Transport;

  constructor(options: GeneralAugmentClientOptions = {}) {
    const apiKey = options.apiKey ?? env('GENAUG_API_KEY');
    const adminKey = options.adminKey ?? env('GENAUG_ADMIN_KEY');
    if (!apiKey && !adminKey) throw new TypeError('GeneralAugmentClient needs an apiKey (or GENAUG_API_KEY)');
    const fetchImpl = options.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
    if (!fetchImpl) throw new TypeError('GeneralAugmentClient needs a fetch implementation (Node 18+ has one)');
    this.baseUrl = options.baseUrl ?? env('GENAUG_API_BASE_URL') ?? DEFAULT_BASE_URL;
    this.http = new Transport({
      baseUrl: this.baseUrl,
      apiKey,
      adminKey,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRetries: Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES),
      fetch: fetchImpl,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
    });
  }

  // --- responses ---------------------------------------------------------------------

  /** POST /v1/responses, waiting for the whole response. */
  createResponse(body: CreateResponseBody, options?: RequestOptions): Promise<ResponseObject> {
    return this.call({ method: 'POST', path: '/v1/responses', body: { ...body, stream: false }, options });
  }

  /** POST /v1/responses with `stream: true`, as `{ event, data }` server-sent events. Breaking out of the loop closes the stream. */
  streamResponse(body: CreateResponseBody, options?: RequestOptions): AsyncGenerator<ResponseStreamEvent> {
    return this.events({ method: 'POST', path: '/v1/responses', body: { ...body, stream: true }, options });
  }

  /**
   * GET /v1/responses/{id}?stream=true: a response's stream after `startingAfter` (the
   * `sequence_number` of the last event you have; from the start without it), followed live
   * while a background response runs, told again from the stored one once it has ended.
   */
  resumeResponseStream(responseId: string, params: { startingAfter?: number } = {}, options?: RequestOptions): AsyncGenerator<ResponseStreamEvent> {
    const query = { stream: true, starting_after: params.startingAfter };
    return this.events({ method: 'GET', path: `/v1/responses/${segment(responseId)}`, query, options });
  }

  private async *events(call: Call): AsyncGenerator<ResponseStreamEvent> {
    const { response, deadline, failure } = await this.http.stream(call);
    try {
      if (!response.body) return;
      for await (const sse of readServerSentEvents(response.body, () => deadline.touch())) {
        if (sse.data === '[DONE]') return;
        let data: unknown = sse.data;
        try {
          data = JSON.parse(sse.data);
        } catch {
          // Not JSON: handed over as text.
        }
        const type = data && typeof data === 'object' ? (data as { type?: unknown }).type : undefined;
        const event = sse.event !== 'message' ? sse.event : typeof type === 'string' ? type : sse.event;
        yield { event, data };
      }
    } catch (err) {
      throw failure(err);
    } finally {
      deadline.clear();
    }
  }

  /** POST /v1/responses/compact: send its `output` as the next turn's `input` (with the new message after it). */
  compactResponse(body: CompactResponseBody, options?: RequestOptions): Promise<CompactionResource> {
    return this.call({ method: 'POST', path: '/v1/responses/compact', body, options });
  }

  /** POST /v1/responses/input_tokens: the input tokens a turn with these fields would cost, counted by its model; nothing runs. */
  countInputTokens(body: InputTokensBody, options?: RequestOptions): Promise<InputTokenCount> {
    return this.call({ method: 'POST', path: '/v1/responses/input_tokens', body, repeatable: true, options });
  }

  /** GET /v1/responses/{id} */
  getResponse(responseId: string, options?: RequestOptions): Promise<ResponseObject> {
    return this.call({ method: 'GET', path: `/v1/responses/${segment(responseId)}`, options });
  }

  /** DELETE /v1/responses/{id}: an ended response is not found from then on (its events stay in the audit history). */
  deleteResponse(responseId: string, options?: RequestOptions): Promise<{ id: string; object: 'response'; deleted: true }> {
    return this.call({ method: 'DELETE', path: `/v1/responses/${segment(responseId)}`, options });
  }

  /** POST /v1/responses/{id}/cancel: a queued or running background response ends `cancelled` (again: the same answer). */
  cancelResponse(responseId: string, options?: RequestOptions): Promise<ResponseObject> {
    return this.call({ method: 'POST', path: `/v1/responses/${segment(responseId)}/cancel`, repeatable: true, options });
  }

  /** GET /v1/models: what this project's requests may name as `model`, the tiers first. */
  listModels(options?: RequestOptions): Promise<{ object: 'list'; data: Model[] }> {
    return this.call({ method: 'GET', path: '/v1/models', options });
  }

  /** GET /v1/models/{model}: one of them, by the name a request sends (404 when the project may not name it). */
  getModel(model: string, options?: RequestOptions): Promise<Model> {
    return this.call({ method: 'GET', path: `/v1/models/${segment(model)}`, options });
  }

  // --- conversations -----------------------------------------------------------------

  /**
   * POST /v1/conversations: a conversation to continue with `conversation: id` (up to 20 first
   * items). With `user`, items added directly are sealed for that app user (erasing them erases the items).
   */
  createConversation(body: { items?: InputItem[]; metadata?: Record<string, string>; user?: string } = {}, options?: RequestOptions): Promise<Conversation> {
    return this.call({ method: 'POST', path: '/v1/conversations', body, options });
  }

  /** GET /v1/conversations/{id} */
  getConversation(conversationId: string, options?: RequestOptions): Promise<Conversation> {
    return this.call({ method: 'GET', path: `/v1/conversations/${segment(conversationId)}`, options });
  }

  /** POST /v1/conversations/{id}: replaces its metadata. */
  updateConversation(conversationId: string, metadata: Record<string, string>, options?: RequestOptions): Promise<Conversation> {
    return this.call({ method: 'POST', path: `/v1/conversations/${segment(conversationId)}`, body: { metadata }, repeatable: true, options });
  }

  /** DELETE /v1/conversations/{id}: reads and turns naming it are 404s from then on. */
  deleteConversation(conversationId: string, options?: RequestOptions): Promise<{ id: string; object: 'conversation.deleted'; deleted: true }> {
    return this.call({ method: 'DELETE', path: `/v1/conversations/${segment(conversationId)}`, options });
  }

  /** GET /v1/conversations/{id}/items: newest first unless `order: 'asc'`; page on with `after`. */
  listConversationItems(
    conversationId: string,
    query: { limit?: number; order?: 'asc' | 'desc'; after?: string } = {},
    options?: RequestOptions,
  ): Promise<ListOf<ConversationItem> & { first_id: string | null; last_id: string | null; has_more: boolean }> {
    return this.call({ method: 'GET', path: `/v1/conversations/${segment(conversationId)}/items`, query, options });
  }

  /** POST /v1/conversations/{id}/items: up to 20 items; answers them with their ids. */
  addConversationItems(conversationId: string, items: InputItem[], options?: RequestOptions): Promise<ListOf<ConversationItem>> {
    return this.call({ method: 'POST', path: `/v1/conversations/${segment(conversationId)}/items`, body: { items }, options });
  }

  /** GET /v1/conversations/{id}/items/{item_id} */
  getConversationItem(conversationId: string, itemId: string, options?: RequestOptions): Promise<ConversationItem> {
    return this.call({ method: 'GET', path: `/v1/conversations/${segment(conversationId)}/items/${segment(itemId)}`, options });
  }

  /** DELETE /v1/conversations/{id}/items/{item_id}: later turns no longer read it; answers the conversation. */
  deleteConversationItem(conversationId: string, itemId: string, options?: RequestOptions): Promise<Conversation> {
    return this.call({ method: 'DELETE', path: `/v1/conversations/${segment(conversationId)}/items/${segment(itemId)}`, options });
  }

  // --- memory ------------------------------------------------------------------------

  /** POST /v1/memory */
  storeMemory(body: StoreMemoryBody, options?: RequestOptions): Promise<Memory> {
    return this.call({ method: 'POST', path: '/v1/memory', body, options: withKey(options, body.idempotency_key) });
  }

  /** POST /v1/memory/search */
  searchMemory(body: SearchMemoryBody, options?: RequestOptions): Promise<ListOf<Memory>> {
    return this.call({ method: 'POST', path: '/v1/memory/search', body, options });
  }

  /** GET /v1/memory?user_id= */
  listMemory(userId: string, query: { limit?: number } = {}, options?: RequestOptions): Promise<ListOf<Memory>> {
    return this.call({ method: 'GET', path: '/v1/memory', query: { user_id: userId, limit: query.limit }, options });
  }

  /** GET /v1/memory/profile?user_id= */
  memoryProfile(userId: string, options?: RequestOptions): Promise<JsonObject> {
    return this.call({ method: 'GET', path: '/v1/memory/profile', query: { user_id: userId }, options });
  }

  /** DELETE /v1/memory/{id} */
  deleteMemory(memoryId: string, query: { userId?: string } = {}, options?: RequestOptions): Promise<JsonObject> {
    return this.call({ method: 'DELETE', path: `/v1/memory/${segment(memoryId)}`, query: { user_id: query.userId }, options });
  }

  /** POST /v1/memory/purge: forgets everything about one user, for good. */
  purgeMemory(userId: string, options?: RequestOptions): Promise<JsonObject> {
    return this.call({ method: 'POST', path: '/v1/memory/purge', body: { user_id: userId }, options });
  }

  // --- admin: projects, keys, settings ------------------------------------------------

  /** POST /api/v1/admin/projects */
  createProject(body: CreateProjectBody, options?: RequestOptions): Promise<Project> {
    return this.call({ method: 'POST', path: '/api/v1/admin/projects', body, admin: true, options });
  }

  /** GET /api/v1/admin/projects */
  listProjects(query: { limit?: number; after?: string } = {}, options?: RequestOptions): Promise<ListOf<Project>> {
    return this.call({ method: 'GET', path: '/api/v1/admin/projects', query, admin: true, options });
  }

  /** GET /api/v1/admin/projects/{id} */
  getProject(projectId: string, options?: RequestOptions): Promise<Project> {
    return this.call({ method: 'GET', path: admin(projectId), admin: true, options });
  }

  /** PATCH /api/v1/admin/projects/{id} with `{ settings }` (merged over the current settings). */
  updateProjectSettings(projectId: string, settings: JsonObject, options?: RequestOptions): Promise<Project> {
    return this.call({ method: 'PATCH', path: admin(projectId), body: { settings }, admin: true, options });
  }

  /** POST /api/v1/admin/projects/{id}/keys: the raw key is in the answer once, store it now. */
  createApiKey(projectId: string, body: CreateApiKeyBody = {}, options?: RequestOptions): Promise<ApiKey> {
    return this.call({ method: 'POST', path: `${admin(projectId)}/keys`, body, admin: true, options });
  }

  /** DELETE /api/v1/admin/projects/{id}/keys/{keyId} */
  revokeApiKey(projectId: string, keyId: string, options?: RequestOptions): Promise<JsonObject> {
    return this.call({ method: 'DELETE', path: `${admin(projectId)}/keys/${segment(keyId)}`, admin: true, options });
  }

  // --- admin: usage, traces, support --------------------------------------------------

  /** GET /api/v1/admin/projects/{id}/usage?start_date&end_date */
  usage(projectId: string, query: UsageQuery, options?: RequestOptions): Promise<JsonObject> {
    return this.call({
      method: 'GET',
      path: `${admin(projectId)}/usage`,
      query: { start_date: query.startDate, end_date: query.endDate, group_by: query.groupBy },
      admin: true,
      options,
    });
  }

  /** GET /api/v1/admin/projects/{id}/traces/{traceId} */
  trace(projectId: string, traceId: string, options?: RequestOptions): Promise<JsonObject> {
    return this.call({ method: 'GET', path: `${admin(projectId)}/traces/${segment(traceId)}`, admin: true, options });
  }

  /** GET /api/v1/admin/projects/{id}/support-bundles/{id}, by response, request or trace id. */
  supportBundle(projectId: string, id: string, options?: RequestOptions): Promise<JsonObject> {
    return this.call({ method: 'GET', path: `${admin(projectId)}/support-bundles/${segment(id)}`, admin: true, options });
  }

  // --- admin: approvals ---------------------------------------------------------------

  /** GET /api/v1/admin/projects/{id}/approvals?status= */
  listApprovals(projectId: string, query: { status?: string } = {}, options?: RequestOptions): Promise<ListOf<Approval>> {
    return this.call({ method: 'GET', path: `${admin(projectId)}/approvals`, query, admin: true, options });
  }

  /** POST /api/v1/admin/projects/{id}/approvals/{approvalId}/approve|deny */
  resolveApproval(projectId: string, approvalId: string, decision: 'approve' | 'deny', options?: RequestOptions): Promise<Approval> {
    return this.call({ method: 'POST', path: `${admin(projectId)}/approvals/${segment(approvalId)}/${decision}`, admin: true, options });
  }

  // --- admin: scheduled jobs ----------------------------------------------------------

  /** POST /api/v1/admin/projects/{id}/scheduled-jobs */
  createScheduledJob(projectId: string, body: ScheduledJobBody, options?: RequestOptions): Promise<ScheduledJob> {
    return this.call({ method: 'POST', path: `${admin(projectId)}/scheduled-jobs`, body, admin: true, options });
  }

  /** GET /api/v1/admin/projects/{id}/scheduled-jobs?status= */
  listScheduledJobs(projectId: string, query: { status?: string } = {}, options?: RequestOptions): Promise<ListOf<ScheduledJob>> {
    return this.call({ method: 'GET', path: `${admin(projectId)}/scheduled-jobs`, query, admin: true, options });
  }

  /** GET /api/v1/admin/projects/{id}/scheduled-jobs/{jobId}/runs?limit= */
  listScheduledJobRuns(projectId: string, jobId: string, query: { limit?: number } = {}, options?: RequestOptions): Promise<ListOf<JsonObject>> {
    return this.call({ method: 'GET', path: `${admin(projectId)}/scheduled-jobs/${segment(jobId)}/runs`, query, admin: true, options });
  }

  /** POST …/scheduled-jobs/{jobId}/dispatch; the dispatch key makes a repeat dispatch a no-op. */
  dispatchScheduledJob(
    projectId: string,
    jobId: string,
    dispatch: { dispatchKey: string; execute?: boolean },
    options?: RequestOptions,
  ): Promise<JsonObject> {
    return this.call({
      method: 'POST',
      path: `${admin(projectId)}/scheduled-jobs/${segment(jobId)}/dispatch`,
      body: { dispatch_key: dispatch.dispatchKey, execute: dispatch.execute ?? true },
      admin: true,
      options,
    });
  }

  /** POST …/scheduled-jobs/{jobId}/pause */
  pauseScheduledJob(projectId: string, jobId: string, options?: RequestOptions): Promise<ScheduledJob> {
    return this.call({ method: 'POST', path: `${admin(projectId)}/scheduled-jobs/${segment(jobId)}/pause`, admin: true, options });
  }

  /** POST …/scheduled-jobs/{jobId}/resume */
  resumeScheduledJob(projectId: string, jobId: string, options?: RequestOptions): Promise<ScheduledJob> {
    return this.call({ method: 'POST', path: `${admin(projectId)}/scheduled-jobs/${segment(jobId)}/resume`, admin: true, options });
  }

  /** DELETE …/scheduled-jobs/{jobId} */
  deleteScheduledJob(projectId: string, jobId: string, options?: RequestOptions): Promise<JsonObject> {
    return this.call({ method: 'DELETE', path: `${admin(projectId)}/scheduled-jobs/${segment(jobId)}`, admin: true, options });
  }

  private call<T>(call: Call): Promise<T> {
    return this.http.json<T>(call);
  }
}

/** A memory write that carries its own idempotency key is retry-safe like any keyed call. */
function withKey(options: RequestOptions | undefined, key: string | undefined): RequestOptions | undefined {
  return key && !options?.idempotencyKey ? { ...options, idempotencyKey: key } : options;
}
