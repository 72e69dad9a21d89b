export { GeneralAugmentClient, DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from './client';
export type { GeneralAugmentClientOptions } from './client';
export type { RequestOptions } from './http';
export { GeneralAugmentAPIError } from './errors';
export type { RateLimitInfo } from './errors';
export { responseOutputText } from './output-text';
export { SseParser, readServerSentEvents } from './sse';
export type { ServerSentEvent } from './sse';
export { VERSION } from './version';
export type {
  ApiKey,
  Approval,
  CompactionItem,
  CompactionResource,
  CompactResponseBody,
  ContentPart,
  Conversation,
  ConversationItem,
  CreateApiKeyBody,
  CreateProjectBody,
  CreateResponseBody,
  FunctionCallOutput,
  FunctionCallResultOutput,
  FunctionToolDefinition,
  InputItem,
  InputTokenCount,
  InputTokensBody,
  JsonObject,
  ListOf,
  Memory,
  MessageOutput,
  Model,
  OutputItem,
  OutputText,
  Project,
  ResponseObject,
  ResponseStreamEvent,
  ScheduledJob,
  ScheduledJobBody,
  SearchMemoryBody,
  StoreMemoryBody,
  TextFormat,
  ToolChoice,
  Usage,
  UsageQuery,
} from './types';
