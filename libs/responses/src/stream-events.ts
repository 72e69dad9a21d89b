import type { OutputItem, OutputTextPart, ResponseObject } from './response-object';

// The streaming events of the specification that a General Augment response emits.

interface Sequenced {
  sequence_number: number;
}

type Lifecycle<T extends string> = Sequenced & { type: T; response: ResponseObject };
export type ResponseCreatedEvent = Lifecycle<'response.created'>;
export type ResponseInProgressEvent = Lifecycle<'response.in_progress'>;
export type ResponseCompletedEvent = Lifecycle<'response.completed'>;
export type ResponseFailedEvent = Lifecycle<'response.failed'>;
export type ResponseIncompleteEvent = Lifecycle<'response.incomplete'>;

type ItemEvent<T extends string> = Sequenced & { type: T; output_index: number; item: OutputItem };
export type OutputItemAddedEvent = ItemEvent<'response.output_item.added'>;
export type OutputItemDoneEvent = ItemEvent<'response.output_item.done'>;

type PartEvent<T extends string> = Sequenced & {
  type: T;
  item_id: string;
  output_index: number;
  content_index: number;
  part: OutputTextPart;
};
export type ContentPartAddedEvent = PartEvent<'response.content_part.added'>;
export type ContentPartDoneEvent = PartEvent<'response.content_part.done'>;

export type OutputTextDeltaEvent = Sequenced & {
  type: 'response.output_text.delta';
  item_id: string;
  output_index: number;
  content_index: number;
  delta: string;
  logprobs: unknown[];
};

export type OutputTextDoneEvent = Sequenced & {
  type: 'response.output_text.done';
  item_id: string;
  output_index: number;
  content_index: number;
  text: string;
  logprobs: unknown[];
};

export type FunctionCallArgumentsDeltaEvent = Sequenced & {
  type: 'response.function_call_arguments.delta';
  item_id: string;
  output_index: number;
  delta: string;
};

export type FunctionCallArgumentsDoneEvent = Sequenced & {
  type: 'response.function_call_arguments.done';
  item_id: string;
  output_index: number;
  arguments: string;
};

export type ErrorEvent = Sequenced & {
  type: 'error';
  error: { type: string; code: string | null; message: string; param: string | null };
};

export type ResponseStreamEvent =
  | ResponseCreatedEvent
  | ResponseInProgressEvent
  | ResponseCompletedEvent
  | ResponseFailedEvent
  | ResponseIncompleteEvent
  | OutputItemAddedEvent
  | OutputItemDoneEvent
  | ContentPartAddedEvent
  | ContentPartDoneEvent
  | OutputTextDeltaEvent
  | OutputTextDoneEvent
  | FunctionCallArgumentsDeltaEvent
  | FunctionCallArgumentsDoneEvent
  | ErrorEvent;

export type ResponseStreamEventType = ResponseStreamEvent['type'];

/** The events that end a response stream; the client is told one of them last. */
const ENDING_TYPES: ReadonlySet<ResponseStreamEventType> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export const endsResponseStream = (event: { type: string }): boolean => ENDING_TYPES.has(event.type as ResponseStreamEventType);
